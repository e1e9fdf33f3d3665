import { describe, expect, it } from 'vitest';
import { createRng } from '../../random';
import { symmetricEigenvaluesFromLower } from './eigenvalues';
import { perturbOffDiagonal } from './perturbation';

const n = 64;

/** Diagonal from 0.01 to 10 (geometric), symmetric off-diagonal entries uniform in ±1e-3: diagonally dominant. */
function diagonallyDominant(): Float64Array {
  const rng = createRng(11);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    m[i * n + i] = 0.01 * 1000 ** (i / (n - 1));
    for (let j = 0; j < i; j++) {
      const value = rng.uniform(-1e-3, 1e-3);
      m[i * n + j] = value;
      m[j * n + i] = value;
    }
  }
  return m;
}

describe('perturbOffDiagonal', () => {
  const m = diagonallyDominant();

  it('is reproducible with a seed, and another seed gives other noise', () => {
    expect(perturbOffDiagonal(m, n, 1e-3, 5)).toEqual(perturbOffDiagonal(m, n, 1e-3, 5));
    expect(perturbOffDiagonal(m, n, 1e-3, 6)).not.toEqual(perturbOffDiagonal(m, n, 1e-3, 5));
  });

  it('leaves the diagonal untouched and the input unchanged', () => {
    const before = Float64Array.from(m);
    const noisy = perturbOffDiagonal(m, n, 1e-3, 5);
    for (let i = 0; i < n; i++) expect(noisy[i * n + i]).toBe(m[i * n + i]);
    expect(m).toEqual(before);
  });

  it('draws one normal per off-diagonal entry, row-major, skipping the diagonal', () => {
    const rng = createRng(9);
    const draws = Array.from({ length: 6 }, () => rng.normal());
    const noisy = perturbOffDiagonal(new Float64Array(9), 3, 0.5, 9);
    const expected = [0, draws[0], draws[1], draws[2], 0, draws[3], draws[4], draws[5], 0].map((d) => 0.5 * d);
    expect(Array.from(noisy)).toEqual(expected);
  });

  it('adds independent noise of standard deviation sigma (not symmetric)', () => {
    const zero = new Float64Array(n * n);
    const noise = perturbOffDiagonal(zero, n, 1e-3, 21);
    const offDiagonal = Array.from(noise).filter((_, k) => Math.floor(k / n) !== k % n);
    const mean = offDiagonal.reduce((s, v) => s + v, 0) / offDiagonal.length;
    const deviation = Math.sqrt(offDiagonal.reduce((s, v) => s + (v - mean) ** 2, 0) / offDiagonal.length);
    // 4032 draws: the sample deviation's own spread is about 1.1 %, the mean's 1.6e-5.
    expect(Math.abs(deviation / 1e-3 - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(noise[1]).not.toBe(noise[n]);
  });

  it('barely moves the eigenvalues above 1 of a diagonally dominant matrix, while those far below 1 move (the seed’s finding)', () => {
    const clean = symmetricEigenvaluesFromLower(m, n);
    for (const seed of [1, 2, 3]) {
      const noisy = symmetricEigenvaluesFromLower(perturbOffDiagonal(m, n, 1e-3, seed), n);
      const relative = clean.map((value, k) => Math.abs(noisy[k] - value) / value);
      const above = relative.filter((_, k) => clean[k] > 1);
      const below = relative.filter((_, k) => clean[k] < 0.1);
      expect(above.length).toBe(22);
      // Measured for seeds 1..5: at most 9.6e-5 above 1, while below 0.1 the largest moves are 11 % to 29 %.
      expect(Math.max(...above)).toBeLessThan(3e-4);
      expect(Math.max(...below)).toBeGreaterThan(0.05);
    }
  });

  it('refuses a negative or non-finite sigma', () => {
    expect(() => perturbOffDiagonal(m, n, -1, 1)).toThrow('perturbation: sigma = -1 is not allowed; sigma must be a finite number ≥ 0.');
    expect(() => perturbOffDiagonal(m, n, NaN, 1)).toThrow(/sigma = NaN/);
  });
});
