import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../random';
import { implicitQl, symmetricTridiagonalEigenvalues, tridiagonalise } from './symmetric-eigenvalues';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = rng.uniform(-1, 1);
      m[i * n + j] = value;
      m[j * n + i] = value;
    }
  }
  return m;
}

function mlMatrixEigenvalues(m: Float64Array, n: number): number[] {
  const matrix = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) matrix.set(i, j, m[i * n + j]);
  return Array.from(new EigenvalueDecomposition(matrix, { assumeSymmetric: true }).realEigenvalues).sort((a, b) => a - b);
}

function worstRelativeDifference(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((value, k) => Math.abs(value - b[k]))) / scale;
}

describe('symmetricTridiagonalEigenvalues', () => {
  // Measured largest difference from ml-matrix, relative to the largest |λ|: 0 (n = 2), 5.3e-16 (3),
  // 2.4e-15 (50), 1.1e-14 (144), 2.0e-14 (301), 3.5e-14 (600), about 7e-17 · n: both solvers are
  // backward stable and each adds its own rounding. The bound 2e-16 · n (at least 1e-15) leaves a factor of 2 or more.
  it.each([1, 2, 3, 50, 144, 301])('agrees with ml-matrix on a random symmetric matrix, n = %i', (n) => {
    const m = randomSymmetric(n, n);
    expect(worstRelativeDifference(symmetricTridiagonalEigenvalues(m, n), mlMatrixEigenvalues(m, n))).toBeLessThan(Math.max(1e-15, 2e-16 * n));
  });

  it('converges on a rank-deficient XᵀX/N (many eigenvalues at rounding level, as a factor from a small batch has)', () => {
    const n = 300;
    const rows = 40;
    const rng = createRng(12);
    const x = Float64Array.from({ length: rows * n }, () => rng.uniform(0, 1));
    const m = new Float64Array(n * n);
    for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] += (x[r * n + i] * x[r * n + j]) / rows;
    const ours = symmetricTridiagonalEigenvalues(m, n);
    expect(worstRelativeDifference(ours, mlMatrixEigenvalues(m, n))).toBeLessThan(2e-16 * n);
    // 260 eigenvalues are zero in exact arithmetic.
    expect(Math.max(...ours.slice(0, n - rows).map(Math.abs)) / ours[n - 1]).toBeLessThan(1e-14);
  });

  it('gives 2 − 2cos(kπ/(n+1)) for the tridiagonal [−1, 2, −1] matrix', () => {
    const n = 40;
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      m[i * n + i] = 2;
      if (i > 0) m[i * n + i - 1] = -1;
    }
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    symmetricTridiagonalEigenvalues(m, n).forEach((value, k) => expect(value).toBeCloseTo(expected[k], 13));
  });

  it('handles repeated eigenvalues, a diagonal and the zero matrix', () => {
    const identity = Float64Array.from({ length: 36 }, (_, k) => (k % 7 === 0 ? 1 : 0));
    expect(symmetricTridiagonalEigenvalues(identity, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(symmetricTridiagonalEigenvalues([3, 0, 0, 0, -1, 0, 0, 0, 2], 3)).toEqual([-1, 2, 3]);
    expect(symmetricTridiagonalEigenvalues(new Float64Array(16), 4)).toEqual([0, 0, 0, 0]);
  });

  it('reads the lower triangle only and leaves its input unchanged', () => {
    const m = randomSymmetric(10, 4);
    const before = Float64Array.from(m);
    const spoiled = m.map((value, k) => (k % 10 > Math.floor(k / 10) ? 1e6 : value));
    expect(symmetricTridiagonalEigenvalues(spoiled, 10)).toEqual(symmetricTridiagonalEigenvalues(m, 10));
    expect(m).toEqual(before);
  });

  it('keeps the small eigenvalues of a graded matrix (1e-8 to 1) to a few ε·‖A‖, as ml-matrix does', () => {
    const n = 30;
    const rng = createRng(5);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      m[i * n + i] = 10 ** (-8 + (8 * i) / (n - 1));
      for (let j = 0; j < i; j++) m[i * n + j] = m[j * n + i] = 1e-12 * rng.uniform(-1, 1);
    }
    const ours = symmetricTridiagonalEigenvalues(m, n);
    const reference = mlMatrixEigenvalues(m, n);
    // Measured: at most 4.4e-16 from ml-matrix's, absolute (‖A‖ = 1); an eigenvalue near 1e-8 is
    // then known to a relative 3e-9 by either solver, which is all backward stability promises.
    ours.forEach((value, k) => expect(Math.abs(value - reference[k])).toBeLessThan(4e-15));
  });
});

describe('tridiagonalise and implicitQl', () => {
  it('keeps the trace and the Frobenius norm (an orthogonal similarity)', () => {
    const n = 20;
    const m = randomSymmetric(n, 9);
    const { diagonal, offDiagonal } = tridiagonalise(m, n);
    const trace = Array.from({ length: n }, (_, i) => m[i * n + i]).reduce((s, v) => s + v, 0);
    const frobenius = m.reduce((s, v) => s + v * v, 0);
    expect(diagonal.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 12);
    expect(diagonal.reduce((s, v) => s + v * v, 0) + 2 * offDiagonal.reduce((s, v) => s + v * v, 0)).toBeCloseTo(frobenius, 11);
    expect(offDiagonal[n - 1]).toBe(0);
  });

  it('solves the 2x2 [[a, b], [b, c]] in closed form', () => {
    const d = Float64Array.from([1, 4]);
    implicitQl(d, Float64Array.from([2, 0]));
    const mean = 2.5;
    const radius = Math.hypot(1.5, 2);
    expect(Array.from(d).sort((a, b) => a - b)).toEqual([expect.closeTo(mean - radius, 14), expect.closeTo(mean + radius, 14)]);
  });
});
