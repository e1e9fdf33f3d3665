// K-FAC's factored Tikhonov damping on the GPU: the split of λ between A and B from the
// factors' traces, written into the ridge buffer the inversion reads, with nothing read back.
import splitShader from '../../../../shaders/kfac-damping/split.wgsl?raw';
import { f32, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing } from '../launch-checks';
import { DAMPING_ENTRY_WORDS } from './kfac-damping-layout';
import { MIN_SPLIT_DAMPING } from './kfac-damping.ref';

const WORKGROUP = 64;

/**
 * For each entry of `table` (packDampingTable's words): λ_A and λ_B from the traces of the
 * matrices in `factors`, into `ridges`. `damping` is λ > 0.
 */
export function kfacDamping(plan: ComputePlan, ridges: GpuTensor, factors: GpuTensor, table: GpuTensor, damping: number): void {
  const op = 'kfacDamping';
  if (table.dtype !== 'u32' || table.size === 0 || table.size % DAMPING_ENTRY_WORDS !== 0) {
    throw new Error(`${op}: table "${table.label}" must hold ${DAMPING_ENTRY_WORDS} u32 words per layer, got ${table.size} ${table.dtype}`);
  }
  if (!(damping > 0) || !Number.isFinite(damping)) throw new Error(`${op}: damping must be > 0, got ${damping}`);
  expectDtypes(op, { ridges, factors }, 'f32');
  expectNoAliasing(op, { ridges }, { factors, table });
  const count = table.size / DAMPING_ENTRY_WORDS;
  plan.add({
    op: 'kfac_damping',
    shader: splitShader,
    constants: { WG: WORKGROUP },
    uniforms: [u32(count), f32(damping), f32(Math.sqrt(damping)), f32(MIN_SPLIT_DAMPING)],
    bindings: [table, factors, ridges],
    workgroups: [Math.ceil(count / WORKGROUP)],
  });
}
