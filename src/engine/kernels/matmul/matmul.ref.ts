// float64 reference of the strided batched matmul: C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b]
// (matmul.ts is the GPU launcher).
import { matmulLayout, type MatmulSpec } from './matmul-shape';

/** c[b] = alpha * op(a[b]) @ op(b[b]) + beta * c[b] in place; beta = 0 ignores c's contents. */
export function batchedMatmul(c: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, spec: MatmulSpec): void {
  const op = 'batchedMatmul';
  const { m, n, k, transposeA, transposeB, alpha, beta } = spec;
  const layout = matmulLayout(op, spec);
  for (const [name, array, needed] of [
    ['a', a, layout.sizeA],
    ['b', b, layout.sizeB],
    ['c', c, layout.sizeC],
  ] as const) {
    if (array.length < needed) throw new Error(`${op}: ${name} has ${array.length} values, needs at least ${needed}`);
  }
  for (let batch = 0; batch < layout.batch; batch++) {
    const aBase = batch * layout.strideA;
    const bBase = batch * layout.strideB;
    const cBase = batch * layout.strideC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let l = 0; l < k; l++) {
          const aValue = transposeA ? a[aBase + l * m + i] : a[aBase + i * k + l];
          const bValue = transposeB ? b[bBase + j * k + l] : b[bBase + l * n + j];
          sum += aValue * bValue;
        }
        const index = cBase + i * n + j;
        c[index] = alpha * sum + (beta === 0 ? 0 : beta * c[index]);
      }
    }
  }
}
