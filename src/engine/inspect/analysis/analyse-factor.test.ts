import { describe, expect, it } from 'vitest';
import { createRng } from '../../random';
import { analyseFactor } from './analyse-factor';
import { generalEigenvalues, symmetricEigenvaluesFromLower } from './eigenvalues';
import { PERTURBATION_SIGMA } from './factor-analysis-types';
import { snrDb } from './factor-statistics';
import { frequencyField } from './frequency-field';
import { gershgorinDiscs } from './gershgorin';
import { perturbOffDiagonal } from './perturbation';

/** XᵀX / rows for X uniform in [−1, 1], as float32 like a GPU factor; exactly symmetric. */
function gramFactor(n: number, rows: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const x = Float64Array.from({ length: rows * n }, () => rng.uniform(-1, 1));
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += x[r * n + i] * x[r * n + j];
      m[i * n + j] = sum / rows;
      m[j * n + i] = sum / rows;
    }
  }
  return m;
}

describe('analyseFactor', () => {
  it('puts the pieces together for a symmetric factor: one decomposition serves the general and the clean spectrum', () => {
    const n = 27;
    const m = gramFactor(n, 40, 1);
    const analysis = analyseFactor(m, n, { seed: 3 });
    const matrix = Float64Array.from(m);
    expect(analysis.n).toBe(n);
    expect(analysis.eigenvalues.re).toEqual(analysis.perturbation.clean);
    expect(analysis.eigenvalues.im).toEqual(new Array(n).fill(0));
    const general = generalEigenvalues(matrix, n);
    analysis.eigenvalues.re.forEach((value, k) => expect(value).toBeCloseTo(general.re[k], 12));
    const noisy = perturbOffDiagonal(matrix, n, PERTURBATION_SIGMA, 3);
    expect(analysis.perturbation).toEqual({
      sigma: PERTURBATION_SIGMA,
      seed: 3,
      clean: symmetricEigenvaluesFromLower(matrix, n),
      noisy: symmetricEigenvaluesFromLower(noisy, n),
    });
    expect(analysis.snrDb).toBe(snrDb(matrix, noisy, n));
    expect(analysis.gershgorin).toEqual(gershgorinDiscs(matrix, n));
    expect(analysis.frequency).toEqual(frequencyField(matrix, n));
    expect(analysis.range).toEqual({ min: Math.min(...m), max: Math.max(...m) });
    expect(analysis.diagonalShare).toBeGreaterThan(0);
    expect(analysis.diagonalShare).toBeLessThan(1);
    expect(analysis.milliseconds).toBeGreaterThan(0);
  });

  it('gives the same spectra for the same matrix and seed, and other noisy ones for another seed', () => {
    const m = gramFactor(16, 20, 2);
    const first = analyseFactor(m, 16, { seed: 8 });
    const again = analyseFactor(m, 16, { seed: 8 });
    const other = analyseFactor(m, 16, { seed: 9 });
    expect(again.perturbation).toEqual(first.perturbation);
    expect(again.snrDb).toBe(first.snrDb);
    expect(other.perturbation.noisy).not.toEqual(first.perturbation.noisy);
    expect(other.perturbation.clean).toEqual(first.perturbation.clean);
  });

  it('runs the general solver on a non-symmetric matrix (complex pair) and takes sigma from the options', () => {
    const m = [1, -2, 0, 2, 1, 0, 0, 0, -1];
    const analysis = analyseFactor(m, 3, { seed: 1, sigma: 0 });
    [-1, 1, 1].forEach((expected, k) => expect(analysis.eigenvalues.re[k]).toBeCloseTo(expected, 12));
    [0, -2, 2].forEach((expected, k) => expect(analysis.eigenvalues.im[k]).toBeCloseTo(expected, 12));
    // sigma 0: the noisy spectrum is the clean one, the lower triangle [[1, 2, 0], [2, 1, 0], [0, 0, −1]] has −1, −1, 3.
    expect(analysis.perturbation.noisy).toEqual(analysis.perturbation.clean);
    [-1, -1, 3].forEach((expected, k) => expect(analysis.perturbation.clean[k]).toBeCloseTo(expected, 12));
    expect(analysis.perturbation.sigma).toBe(0);
  });

  it('handles a 1x1 factor (no off-diagonal entry: SNR is +Infinity, share 1)', () => {
    const analysis = analyseFactor([2], 1, { seed: 0 });
    expect(analysis.eigenvalues).toEqual({ re: [2], im: [0] });
    expect(analysis.snrDb).toBe(Infinity);
    expect(analysis.diagonalShare).toBe(1);
    expect(Array.from(analysis.frequency)).toEqual([Math.fround(20 * Math.log(2))]);
  });

  it('refuses a wrong length, a non-finite entry and a fractional seed, naming what is allowed', () => {
    expect(() => analyseFactor(new Float32Array(8), 3, { seed: 1 })).toThrow(
      'the factor: 8 values do not fill the 3x3 matrix; a full factor needs n*n = 9 values, row-major.',
    );
    expect(() => analyseFactor([1, NaN, 0, 1], 2, { seed: 1 })).toThrow('the factor: entry (0, 1) is NaN; the analyses need finite numbers.');
    expect(() => analyseFactor([1], 0, { seed: 1 })).toThrow('the factor: size n = 0 is not allowed; n must be a positive integer.');
    expect(() => analyseFactor([1], 1, { seed: 0.5 })).toThrow("analyseFactor: seed 0.5 is not allowed; the perturbation's seed must be an integer.");
  });
});
