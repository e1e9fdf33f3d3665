// Batched symmetric eigendecomposition on the GPU by cyclic Jacobi rotations, one workgroup per
// matrix: the notebook K-FAC's factors, which are small (the Iris MLP's are 3x3 at most).
// kfac-eigen.ref.ts is the float64 twin.
import jacobiShader from '../../../../shaders/kfac-eigen/jacobi.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import { reductionWorkgroupFor } from '../workgroups';
import type { EigenLayout } from './kfac-eigen-layout';
import { EIGENVALUE_FLOOR, MAX_SWEEPS } from './kfac-eigen.ref';

/** Stops a sweep loop once the off-diagonal mass is within (n · this)² of the total: float32 rounding. */
export const FLOAT32_JACOBI_EPSILON = 1.2e-7;

const NAN_BITS = 0x7fc00000;

/**
 * For every matrix of `layout` (its words uploaded as `table`): V and the eigenvalues (those at
 * or below 1e-10 set to 0) into its region of `out`, from the symmetric matrix at its inOffset in `inp`.
 */
export function kfacEigen(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, table: GpuTensor, layout: EigenLayout): void {
  const op = 'kfacEigen';
  const count = layout.entries.length;
  expectSizes(op, { out }, layout.totalElements, "the eigen layout's totalElements");
  expectSizes(op, { table }, 4 * count, `(inOffset, n, outOffset, valuesOffset) per matrix, 4*${count}`);
  for (const [index, { n, inOffset }] of layout.entries.entries()) {
    if (inOffset + n * n > inp.size) throw new Error(`${op}: matrix ${index} (${n}x${n} at ${inOffset}) runs past inp "${inp.label}" of ${inp.size} elements`);
  }
  expectDtypes(op, { out, inp }, 'f32');
  expectDtypes(op, { table }, 'u32');
  expectNoAliasing(op, { out }, { inp, table });
  plan.add({
    op: 'kfac_eigen',
    shader: jacobiShader,
    constants: { WG: reductionWorkgroupFor(layout.maxSide), MAX_SWEEPS },
    uniforms: [u32(count), f32(FLOAT32_JACOBI_EPSILON), f32(EIGENVALUE_FLOOR), u32(NAN_BITS)],
    bindings: [table, inp, out],
    workgroups: gridFor(count, 1),
  });
}
