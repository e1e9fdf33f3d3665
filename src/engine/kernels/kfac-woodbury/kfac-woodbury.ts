// The Woodbury route's last step on the GPU: A⁻¹ = (I − s·P)/λ in place, λ read from the ridge
// buffer the damping split wrote.
import finishShader from '../../../../shaders/kfac-woodbury/finish.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';

/** inverse (d x d, holding P = Xᵀ K⁻¹ X) <- (I − scale·P) / ridges[ridgeIndex]. */
export function woodburyFinish(plan: ComputePlan, inverse: GpuTensor, ridges: GpuTensor, d: number, scale: number, ridgeIndex: number): void {
  const op = 'woodburyFinish';
  expectPositiveIntegers(op, { d });
  expectSizes(op, { inverse }, d * d, `d*d = ${d}*${d}`);
  expectDtypes(op, { inverse, ridges }, 'f32');
  if (!Number.isInteger(ridgeIndex) || ridgeIndex < 0 || ridgeIndex >= ridges.size) {
    throw new Error(`${op}: ridgeIndex ${ridgeIndex} is outside ridges "${ridges.label}" of ${ridges.size} elements`);
  }
  expectNoAliasing(op, { inverse }, { ridges });
  plan.add({
    op: 'kfac_woodbury_finish',
    shader: finishShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(d), f32(scale), u32(ridgeIndex)],
    bindings: [ridges, inverse],
    workgroups: gridFor(d * d, ELEMENTWISE_WORKGROUP),
  });
}
