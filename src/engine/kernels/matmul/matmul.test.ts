import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { assertAllClose } from '../../testing/compare';
import { batchedMatmul } from './matmul.ref';

/** A (rows x cols) row-major matrix transposed into a new array. */
function transposed(values: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j];
  return out;
}

/** Plain (m x k)(k x n) product. */
function product(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + l] * b[l * n + j];
  return out;
}

describe('batched matmul reference', () => {
  it('multiplies 2x2 matrices by hand, with alpha and beta', () => {
    const c = Float64Array.of(1, 1, 1, 1);
    // [[1, 2], [3, 4]] @ [[0, 1], [1, 0]] = [[2, 1], [4, 3]]; 2 * that + 0.5 * c.
    batchedMatmul(c, Float64Array.of(1, 2, 3, 4), Float64Array.of(0, 1, 1, 0), { m: 2, n: 2, k: 2, transposeA: false, transposeB: false, alpha: 2, beta: 0.5 });
    expect(Array.from(c)).toEqual([4.5, 2.5, 8.5, 6.5]);
    // A^T @ B = [[1, 3], [2, 4]] @ [[0, 1], [1, 0]] = [[3, 1], [4, 2]], beta = 0 ignores the NaN.
    const fresh = Float64Array.of(NaN, NaN, NaN, NaN);
    batchedMatmul(fresh, Float64Array.of(1, 2, 3, 4), Float64Array.of(0, 1, 1, 0), {
      m: 2,
      n: 2,
      k: 2,
      transposeA: true,
      transposeB: false,
      alpha: 1,
      beta: 0,
    });
    expect(Array.from(fresh)).toEqual([3, 1, 4, 2]);
  });

  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`matches loops over materialised transposes, transposeA=${transposeA} transposeB=${transposeB}`, () => {
      const [batch, m, n, k] = [3, 4, 5, 3];
      const rng = createRng(Number(transposeA) * 2 + Number(transposeB));
      const a = randomArray(rng, batch * m * k);
      const b = randomArray(rng, batch * k * n);
      const c0 = randomArray(rng, batch * m * n);
      const c = c0.slice();
      batchedMatmul(c, a, b, { m, n, k, transposeA, transposeB, alpha: 0.5, beta: -2, batch });
      for (let e = 0; e < batch; e++) {
        const aMatrix = a.slice(e * m * k, (e + 1) * m * k);
        const bMatrix = b.slice(e * k * n, (e + 1) * k * n);
        const opA = transposeA ? transposed(aMatrix, k, m) : aMatrix;
        const opB = transposeB ? transposed(bMatrix, n, k) : bMatrix;
        const expected = product(opA, opB, m, k, n).map((value, i) => 0.5 * value - 2 * c0[e * m * n + i]);
        assertAllClose(c.slice(e * m * n, (e + 1) * m * n), expected, { atol: 1e-14, rtol: 1e-14 }, `batch ${e}`);
      }
    });
  }

  it('reuses one matrix with stride 0 and skips gaps with wider strides', () => {
    // Shampoo's product along the middle axis of a (pre, d, post) tensor: P (d x d) @ X[b] (d x post).
    const [pre, d, post] = [3, 4, 2];
    const rng = createRng(5);
    const P = randomArray(rng, d * d);
    const X = randomArray(rng, pre * d * post);
    const Y = new Float64Array(pre * d * post);
    batchedMatmul(Y, P, X, { m: d, n: post, k: d, transposeA: false, transposeB: false, alpha: 1, beta: 0, batch: pre, strideA: 0 });
    for (let b = 0; b < pre; b++) {
      for (let i = 0; i < d; i++) {
        for (let q = 0; q < post; q++) {
          let sum = 0;
          for (let j = 0; j < d; j++) sum += P[i * d + j] * X[(b * d + j) * post + q];
          expect(Y[(b * d + i) * post + q]).toBeCloseTo(sum, 14);
        }
      }
    }
    // C entries 6 apart, 2x2 matrices: the gaps stay untouched.
    const c = new Float64Array(10).fill(7);
    batchedMatmul(c, Float64Array.of(1, 0, 0, 1), Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8), {
      m: 2,
      n: 2,
      k: 2,
      transposeA: false,
      transposeB: false,
      alpha: 1,
      beta: 0,
      batch: 2,
      strideA: 0,
      strideC: 6,
    });
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 7, 7, 5, 6, 7, 8]);
  });

  it('rejects bad sizes, strides and scalars', () => {
    const spec = { m: 2, n: 2, k: 2, transposeA: false, transposeB: false, alpha: 1, beta: 0 };
    const four = new Float64Array(4);
    expect(() => batchedMatmul(four, new Float64Array(3), four, spec)).toThrow(/batchedMatmul: a has 3 values, needs at least 4/);
    expect(() => batchedMatmul(four, four, four, { ...spec, batch: 2, strideC: 3 })).toThrow(/strideC must be at least m\*n = 2\*2 = 4/);
    expect(() => batchedMatmul(four, four, four, { ...spec, m: 0 })).toThrow(/batchedMatmul: m must be a positive integer, got 0/);
    expect(() => batchedMatmul(four, four, four, { ...spec, beta: Infinity })).toThrow(/batchedMatmul: beta must be a finite number, got Infinity/);
    expect(() => batchedMatmul(four, four, four, { ...spec, strideA: -1 })).toThrow(/batchedMatmul: strideA must be an integer >= 0, got -1/);
  });
});
