import forwardShader from '../../../../shaders/embedding/forward.wgsl?raw';
import backwardWteShader from '../../../../shaders/embedding/backward-wte.wgsl?raw';
import backwardWpeShader from '../../../../shaders/embedding/backward-wpe.wgsl?raw';
import type { GpuContext } from '../../gpu/context';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { ParamGradientOptions } from '../backward-options';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import type { EmbeddingIndex } from './embedding-index';
import { checkSequenceLength } from './embedding-shape';

export { createEmbeddingIndex, embeddingBackwardIndex, type EmbeddingIndex } from './embedding-index';

/**
 * The GPU copy of an EmbeddingIndex for a (B, T) batch, all u32: uniqueTokens (B*T),
 * offsets (B*T + 1), positions (B*T) and count (1). Rewritten for every batch, while the plan
 * that reads it stays the same.
 */
export interface EmbeddingIndexTensors {
  readonly uniqueTokens: GpuTensor;
  readonly offsets: GpuTensor;
  readonly positions: GpuTensor;
  readonly count: GpuTensor;
}

function checkShape(op: string, B: number, T: number, C: number, V: number, Tmax: number): void {
  expectPositiveIntegers(op, { B, T, C, V, Tmax });
  checkSequenceLength(op, T, Tmax);
}

/**
 * Writes the valid part of a filled index (embeddingBackwardIndex) into its GPU tensors,
 * without allocating; the stale tail of each array is never read by the shader.
 */
export function uploadEmbeddingIndex(ctx: GpuContext, tensors: EmbeddingIndexTensors, index: EmbeddingIndex): void {
  const U = index.count[0];
  const n = index.offsets[U];
  const { queue } = ctx.device;
  const parts: [GpuTensor, Uint32Array<ArrayBuffer>, number][] = [
    [tensors.uniqueTokens, index.uniqueTokens, U],
    [tensors.offsets, index.offsets, U + 1],
    [tensors.positions, index.positions, n],
    [tensors.count, index.count, 1],
  ];
  for (const [tensor, values, length] of parts) {
    if (length > tensor.size) {
      throw new Error(`uploadEmbeddingIndex: ${length} values do not fit "${tensor.label}" of ${tensor.size} elements`);
    }
    // A batch may have no positions at all, and writeBuffer of zero bytes is pointless.
    if (length > 0) queue.writeBuffer(tensor.buffer, tensor.offset, values, 0, length);
  }
}

/** out[b, t, c] = wte[tokens[b, t], c] + wpe[t, c]: tokens u32 (B*T), wte (V, C), wpe (Tmax, C), out (B, T, C). */
export function embeddingForward(
  plan: ComputePlan,
  out: GpuTensor,
  tokens: GpuTensor,
  wte: GpuTensor,
  wpe: GpuTensor,
  B: number,
  T: number,
  C: number,
  V: number,
  Tmax: number,
): void {
  const op = 'embeddingForward';
  checkShape(op, B, T, C, V, Tmax);
  expectSizes(op, { out }, B * T * C, `B*T*C = ${B}*${T}*${C}`);
  expectSizes(op, { tokens }, B * T, `B*T = ${B}*${T}`);
  expectSizes(op, { wte }, V * C, `V*C = ${V}*${C}`);
  expectSizes(op, { wpe }, Tmax * C, `Tmax*C = ${Tmax}*${C}`);
  expectDtypes(op, { out, wte, wpe }, 'f32');
  expectDtypes(op, { tokens }, 'u32');
  expectNoAliasing(op, { out }, { tokens, wte, wpe });
  plan.add({
    op: 'embedding_forward',
    shader: forwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(B * T), u32(T), u32(C), u32(V)],
    bindings: [tokens, wte, wpe, out],
    workgroups: gridFor(B * T * C, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * dWte[v, c] += sum of dOut[b, t, c] over the positions with tokens[b, t] == v, read from the
 * batch's index (see EmbeddingIndexTensors); dWpe[t, c] (+)= sum_b dOut[b, t, c] for t < T.
 *
 * dWte ALWAYS accumulates, whatever the options: it is a scatter that touches only the rows of
 * tokens in the batch, so the caller must zero dWte first or, as GPT with a tied output layer
 * does, let another op write it before. dWpe is overwritten unless `options.accumulateParams`;
 * its rows t >= T are never touched. A null gradient is not computed.
 */
export function embeddingBackward(
  plan: ComputePlan,
  dWte: GpuTensor | null,
  dWpe: GpuTensor | null,
  dOut: GpuTensor,
  index: EmbeddingIndexTensors,
  B: number,
  T: number,
  C: number,
  V: number,
  Tmax: number,
  options: ParamGradientOptions,
): void {
  const op = 'embeddingBackward';
  checkShape(op, B, T, C, V, Tmax);
  const { uniqueTokens, offsets, positions, count } = index;
  expectSizes(op, { dOut }, B * T * C, `B*T*C = ${B}*${T}*${C}`);
  expectSizes(op, { dWte }, V * C, `V*C = ${V}*${C}`);
  expectSizes(op, { dWpe }, Tmax * C, `Tmax*C = ${Tmax}*${C}`);
  expectSizes(op, { uniqueTokens, positions }, B * T, `B*T = ${B}*${T}`);
  expectSizes(op, { offsets }, B * T + 1, `B*T + 1 = ${B}*${T} + 1`);
  expectSizes(op, { count }, 1);
  expectDtypes(op, { dWte, dWpe, dOut }, 'f32');
  expectDtypes(op, { uniqueTokens, offsets, positions, count }, 'u32');
  // One check per dispatch, all before the first is added.
  expectNoAliasing(op, { dWte }, { dOut, uniqueTokens, offsets, positions, count });
  expectNoAliasing(op, { dWpe }, { dOut });
  if (dWte) {
    plan.add({
      op: 'embedding_backward_wte',
      shader: backwardWteShader,
      constants: { WG: ELEMENTWISE_WORKGROUP },
      uniforms: [u32(B * T), u32(C), u32(V)],
      bindings: [dOut, uniqueTokens, offsets, positions, count, dWte],
      workgroups: gridFor(B * T * C, ELEMENTWISE_WORKGROUP),
    });
  }
  if (dWpe) {
    plan.add({
      op: 'embedding_backward_wpe',
      shader: backwardWpeShader,
      constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulateParams ? 1 : 0 },
      uniforms: [u32(B), u32(T), u32(C)],
      bindings: [dOut, dWpe],
      workgroups: gridFor(T * C, ELEMENTWISE_WORKGROUP),
    });
  }
}
