// K-FAC's bias preconditioning on the GPU: every layer's g_b <- B⁻¹ g_b in one dispatch, in place
// in the flat gradient buffer (a matrix product could not read and write that buffer at once).
import preconditionShader from '../../../../shaders/kfac-bias/precondition.wgsl?raw';
import { u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing } from '../launch-checks';
import { reductionWorkgroupFor } from '../workgroups';

/**
 * `table` holds packBiasTable's words; `scratch` has at least the table's scratch total of
 * elements; `maxSide` is the largest side in the table (it sizes the workgroup).
 */
export function kfacBias(
  plan: ComputePlan,
  grads: GpuTensor,
  inverses: GpuTensor,
  scratch: GpuTensor,
  table: GpuTensor,
  scratchNeeded: number,
  maxSide: number,
): void {
  const op = 'kfacBias';
  if (table.dtype !== 'u32' || table.size === 0 || table.size % 4 !== 0) {
    throw new Error(`${op}: table "${table.label}" must hold 4 u32 words per layer, got ${table.size} ${table.dtype}`);
  }
  if (scratch.size < scratchNeeded) throw new Error(`${op}: scratch "${scratch.label}" has ${scratch.size} elements, the layers need ${scratchNeeded}`);
  expectDtypes(op, { grads, inverses, scratch }, 'f32');
  expectNoAliasing(op, { grads, scratch }, { inverses, table });
  const layers = table.size / 4;
  plan.add({
    op: 'kfac_bias',
    shader: preconditionShader,
    constants: { WG: reductionWorkgroupFor(maxSide) },
    uniforms: [u32(layers)],
    bindings: [table, inverses, grads, scratch],
    workgroups: [layers],
  });
}
