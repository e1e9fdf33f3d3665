// The per-tensor table shaders/common/param-groups.wgsl reads: one (start, size, lrScale,
// weightDecay) row per trained tensor, sorted by start, so one dispatch over the whole flat
// buffer applies every group's lr and weight decay.

import paramGroupsSource from '../../../shaders/common/param-groups.wgsl?raw';
import type { FlatLayout } from '../gpu/flat-buffer';
import type { GpuTensor } from '../gpu/tensor';
import type { GpuModel } from '../nn/gpu-model';
import { tensorHyperparameters, type ResolvedParameterGroups } from './param-groups';

/** u32 words per row: start, size, then lrScale and weightDecay as float32 bits. */
export const GROUP_WORDS = 4;

/** The table's rows for `layout` (a model's trained parameters). */
export function groupTableWords(layout: FlatLayout, groups: ResolvedParameterGroups, weightDecay: number): Uint32Array<ArrayBuffer> {
  const tensors = [...layout.entries].sort((a, b) => a.offset - b.offset);
  const words = new Uint32Array(Math.max(1, tensors.length) * GROUP_WORDS);
  const floats = new Float32Array(words.buffer);
  tensors.forEach((tensor, index) => {
    const { lrScale, weightDecay: decay } = tensorHyperparameters(groups, tensor.name, weightDecay);
    words[index * GROUP_WORDS] = tensor.offset;
    words[index * GROUP_WORDS + 1] = tensor.size;
    floats[index * GROUP_WORDS + 2] = lrScale;
    floats[index * GROUP_WORDS + 3] = decay;
  });
  return words;
}

/** The table for `model.params`, in a u32 tensor owned by `owner`. */
export function createGroupTable(model: GpuModel, owner: string, groups: ResolvedParameterGroups, weightDecay: number): GpuTensor {
  const words = groupTableWords(model.params.layout, groups, weightDecay);
  const table = model.ctx.pool.tensor(`${owner}:group-table`, [words.length], owner, 'u32');
  model.ctx.device.queue.writeBuffer(table.buffer, table.offset, words);
  return table;
}

/** A shader that calls paramGroupOf, with the shared WGSL appended. */
export function withParamGroups(shader: string): string {
  return `${shader}\n${paramGroupsSource}`;
}
