import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { assertAllClose } from '../../testing/compare';
import { matrixTable, packMatrices, unpackMatrices } from '../matrix-table';
import { choleskyInverse, spdInverse } from './cholesky.ref';

/** (n x n)(n x n). */
function multiply(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
}

const identity = (n: number) => Float64Array.from({ length: n * n }, (_, e) => (e % (n + 1) === 0 ? 1 : 0));

describe('SPD inverse reference', () => {
  it('inverts a 1x1 and a 2x2 by hand', () => {
    expect(Array.from(spdInverse([4], 1, 0))).toEqual([0.25]);
    // [[4, 2], [2, 3]]: L = [[2, 0], [1, sqrt 2]], inverse = [[3, -2], [-2, 4]] / 8.
    assertAllClose(spdInverse([4, 2, 2, 3], 2, 0), [0.375, -0.25, -0.25, 0.5], { atol: 1e-15, rtol: 1e-15 });
  });

  it('inverts a 3x3 by hand', () => {
    // [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L L^T with L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]];
    // L^-1 = [[1/2, 0, 0], [-3, 1, 0], [19/3, -5/3, 1/3]], inverse = L^-T L^-1, det 36.
    const expected = [1777 / 36, -122 / 9, 19 / 9, -122 / 9, 34 / 9, -5 / 9, 19 / 9, -5 / 9, 1 / 9];
    assertAllClose(spdInverse([4, 12, -16, 12, 37, -43, -16, -43, 98], 3, 0), expected, { atol: 1e-12, rtol: 1e-13 });
  });

  it('reads only the lower triangle', () => {
    assertAllClose(spdInverse([4, 99, 2, 3], 2, 0), [0.375, -0.25, -0.25, 0.5], { atol: 1e-15, rtol: 1e-15 });
  });

  it('makes a singular matrix invertible with a ridge, and gives NaN without', () => {
    // [[1, 1], [1, 1]] + I = [[2, 1], [1, 2]], inverse = [[2, -1], [-1, 2]] / 3.
    assertAllClose(spdInverse([1, 1, 1, 1], 2, 1), [2 / 3, -1 / 3, -1 / 3, 2 / 3], { atol: 1e-15, rtol: 1e-15 });
    // The second pivot is 1 - 1 = 0: not positive definite.
    expect(Array.from(spdInverse([1, 1, 1, 1], 2, 0)).every(Number.isNaN)).toBe(true);
  });

  it('gives NaN for an indefinite matrix', () => {
    // [[1, 2], [2, 1]] has eigenvalues 3 and -1: the second pivot is 1 - 4 < 0.
    expect(Array.from(spdInverse([1, 2, 2, 1], 2, 0)).every(Number.isNaN)).toBe(true);
    expect(Array.from(spdInverse([-1], 1, 0)).every(Number.isNaN)).toBe(true);
  });

  it('inverts random SPD matrices: A A^-1 = I', () => {
    const rng = createRng(8);
    for (const n of [1, 4, 17]) {
      // X^T X / n from 2n rows, plus a ridge: well conditioned.
      const X = randomArray(rng, 2 * n * n);
      const M = new Float64Array(n * n);
      for (let r = 0; r < 2 * n; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] += (X[r * n + i] * X[r * n + j]) / n;
      const ridge = 0.1;
      const A = M.map((value, e) => value + (e % (n + 1) === 0 ? ridge : 0));
      assertAllClose(multiply(A, spdInverse(M, n, ridge), n), identity(n), { atol: 1e-12, rtol: 0 }, `n=${n}`);
    }
  });

  it('inverts every matrix of a packed table with its own ridge', () => {
    const table = matrixTable([2, 1, 3], 16);
    const matrices = [Float64Array.of(4, 2, 2, 3), Float64Array.of(0), Float64Array.of(4, 12, -16, 12, 37, -43, -16, -43, 98)];
    const out = new Float64Array(table.totalElements).fill(7);
    choleskyInverse(out, packMatrices(table, matrices), [0, 0.5, 0], table);
    const [first, second, third] = unpackMatrices(table, out);
    assertAllClose(first, [0.375, -0.25, -0.25, 0.5], { atol: 1e-15, rtol: 1e-15 });
    expect(second[0]).toBeCloseTo(2, 14);
    expect(third[8]).toBeCloseTo(1 / 9, 13);
    // The gaps between matrices are left alone.
    expect(out[table.entries[1].offset + 1]).toBe(7);
  });
});
