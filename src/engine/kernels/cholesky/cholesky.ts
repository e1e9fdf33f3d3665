// Batched inverses of symmetric positive definite matrices on the GPU, by Cholesky as
// torch.cholesky_inverse (cholesky.ref.ts is the float64 twin): K-FAC's damped factors
// (A + λ_A I)^-1 and (B + λ_B I)^-1 of every layer in one dispatch.
import inverseShader from '../../../../shaders/cholesky/inverse.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import { MATRIX_TABLE_WORDS, type MatrixTable } from '../matrix-table';
import { REDUCTION_WORKGROUP } from '../workgroups';

/** A quiet NaN's bits, what a matrix that is not positive definite is filled with. */
const QUIET_NAN_BITS = 0x7fc00000;

/**
 * out_i = (M_i + ridge[i] I)^-1 for every matrix i of `layout`, both inp and out packed as
 * `layout` says (`table` is layout.words on the GPU, a u32 tensor). Only M_i's lower triangle is
 * read. A matrix that is not numerically positive definite (a pivot <= 0) comes out all NaN.
 * One workgroup per matrix.
 */
export function choleskyInverse(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, ridge: GpuTensor, table: GpuTensor, layout: MatrixTable): void {
  const op = 'choleskyInverse';
  const count = layout.entries.length;
  expectSizes(op, { out, inp }, layout.totalElements, `the matrix table's totalElements`);
  expectSizes(op, { ridge }, count, `one per matrix, ${count}`);
  expectSizes(op, { table }, count * MATRIX_TABLE_WORDS, `(offset, n) per matrix, ${MATRIX_TABLE_WORDS}*${count}`);
  expectDtypes(op, { out, inp, ridge }, 'f32');
  expectDtypes(op, { table }, 'u32');
  expectNoAliasing(op, { out }, { inp, ridge, table });
  plan.add({
    op: 'cholesky_inverse',
    shader: inverseShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(count), u32(QUIET_NAN_BITS)],
    bindings: [table, ridge, inp, out],
    workgroups: gridFor(count, 1),
  });
}
