// Strided batched matrix products on the GPU (matmul.ref.ts is the float64 twin): the small dense
// algebra of the second-order optimizers, such as K-FAC's B^-1 G A^-1 and Shampoo's products
// along one axis of a tensor, (pre, d, post) times P (d x d) = pre products (d x d)(d x post).
import batchedKernel from '../../../../shaders/matmul/batched.wgsl?raw';
import { f32, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing } from '../launch-checks';
import { registerTileFor, tileConstants, tileGrid, withRegisterTile } from '../register-tile';
import { matmulLayout, type MatmulSpec } from './matmul-shape';

export type { MatmulSpec };

const batchedShader = withRegisterTile(batchedKernel);

/**
 * c[b] = alpha * op(a[b]) @ op(b[b]) + beta * c[b] for b < spec.batch, op(a[b]) (m, k),
 * op(b[b]) (k, n), c[b] (m, n), row-major, matrix b of each operand starting stride * b
 * elements into its view. beta = 0 never reads c. c may not share a buffer with a or b.
 */
export function batchedMatmul(plan: ComputePlan, c: GpuTensor, a: GpuTensor, b: GpuTensor, spec: MatmulSpec): void {
  const op = 'batchedMatmul';
  const { m, n, k } = spec;
  const layout = matmulLayout(op, spec);
  for (const [name, tensor, needed, stride, symbols, dims] of [
    ['a', a, layout.sizeA, layout.strideA, 'm*k', [m, k]],
    ['b', b, layout.sizeB, layout.strideB, 'k*n', [k, n]],
    ['c', c, layout.sizeC, layout.strideC, 'm*n', [m, n]],
  ] as const) {
    if (tensor.size < needed) {
      const matrix = `${dims[0]}*${dims[1]}`;
      const formula = layout.batch > 1 ? `(batch-1)*stride + ${symbols} = ${layout.batch - 1}*${stride} + ${matrix}` : `${symbols} = ${matrix}`;
      throw new Error(`${op}: ${name} "${tensor.label}" has ${tensor.size} elements, needs at least ${needed} (${formula})`);
    }
  }
  expectDtypes(op, { a, b, c }, 'f32');
  expectNoAliasing(op, { c }, { a, b });
  const tile = registerTileFor(m, n);
  plan.add({
    op: 'batched_matmul',
    shader: batchedShader,
    constants: { ...tileConstants(tile), TRANS_A: spec.transposeA ? 1 : 0, TRANS_B: spec.transposeB ? 1 : 0, READ_C: spec.beta === 0 ? 0 : 1 },
    uniforms: [u32(m), u32(n), u32(k), u32(layout.strideA), u32(layout.strideB), u32(layout.strideC), f32(spec.alpha), f32(spec.beta)],
    bindings: [a, b, c],
    workgroups: tileGrid(op, m, n, tile, layout.batch),
  });
}
