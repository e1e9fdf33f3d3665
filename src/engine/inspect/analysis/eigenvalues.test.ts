import { describe, expect, it } from 'vitest';
import { generalEigenvalues, symmetricEigenvaluesFromLower } from './eigenvalues';

/** Q diag(λ) Qᵀ with Q the Givens rotation by θ in the (p, q) plane, row-major. */
function rotatedDiagonal(lambda: number[], p: number, q: number, theta: number): number[] {
  const n = lambda.length;
  const rotation = Array.from({ length: n * n }, (_, k): number => (Math.floor(k / n) === k % n ? 1 : 0));
  rotation[p * n + p] = Math.cos(theta);
  rotation[q * n + q] = Math.cos(theta);
  rotation[p * n + q] = -Math.sin(theta);
  rotation[q * n + p] = Math.sin(theta);
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += rotation[i * n + k] * lambda[k] * rotation[j * n + k];
  return out;
}

describe('symmetricEigenvaluesFromLower', () => {
  it('recovers λ of Q diag(λ) Qᵀ, ascending', () => {
    const m = rotatedDiagonal([3, 1, 0.5], 0, 2, 0.3);
    expect(m[2]).not.toBe(0);
    const eigenvalues = symmetricEigenvaluesFromLower(m, 3);
    [0.5, 1, 3].forEach((expected, k) => expect(eigenvalues[k]).toBeCloseTo(expected, 12));
  });

  it('reads the lower triangle only, as eigh does', () => {
    const m = rotatedDiagonal([3, 1, 0.5], 0, 2, 0.3);
    const upperSpoiled = m.map((value, k) => (k % 3 > Math.floor(k / 3) ? value + 100 : value));
    expect(symmetricEigenvaluesFromLower(upperSpoiled, 3)).toEqual(symmetricEigenvaluesFromLower(m, 3));
  });
});

describe('generalEigenvalues', () => {
  it('gives the complex pair a ± ib of a rotation-scaling block and the real one beside it, ascending by real then imaginary part', () => {
    // [[1, −2], [2, 1]] has eigenvalues 1 ± 2i; the third diagonal entry −1 is its own eigenvalue.
    const m = [1, -2, 0, 2, 1, 0, 0, 0, -1];
    const { re, im } = generalEigenvalues(m, 3);
    [-1, 1, 1].forEach((expected, k) => expect(re[k]).toBeCloseTo(expected, 12));
    [0, -2, 2].forEach((expected, k) => expect(im[k]).toBeCloseTo(expected, 12));
  });

  it('gives real eigenvalues (imaginary parts exactly 0) for a symmetric matrix, equal to the symmetric ones', () => {
    const m = rotatedDiagonal([2, -1, 0.25, 4], 1, 3, 1.1);
    const { re, im } = generalEigenvalues(m, 4);
    expect(im).toEqual([0, 0, 0, 0]);
    re.forEach((value, k) => expect(value).toBeCloseTo([-1, 0.25, 2, 4][k], 12));
  });

  it('gives the real eigenvalues of a non-symmetric triangular matrix (its diagonal)', () => {
    const { re, im } = generalEigenvalues([2, 5, 7, 0, -3, 1, 0, 0, 0.5], 3);
    [-3, 0.5, 2].forEach((expected, k) => expect(re[k]).toBeCloseTo(expected, 12));
    im.forEach((value) => expect(value).toBe(0));
  });
});
