// All float64 analyses of one full Kronecker factor (docs/adafisher-inspector.md): the page's
// analysis worker, the command line's inspect.json and the bench call this one function.

import { gershgorinDiscs } from './gershgorin';
import { generalEigenvalues, symmetricEigenvaluesFromLower } from './eigenvalues';
import { PERTURBATION_SIGMA, type FactorAnalysis } from './factor-analysis-types';
import { diagonalShare, matrixRange, snrDb } from './factor-statistics';
import { frequencyField } from './frequency-field';
import { perturbOffDiagonal } from './perturbation';
import { checkSquareMatrix, isExactlySymmetric } from './square-matrix';

export interface AnalyseFactorOptions {
  /** Seeds the perturbation's noise (an integer; the same matrix and seed give the same spectra). */
  readonly seed: number;
  /** The noise's standard deviation, PERTURBATION_SIGMA unless given. */
  readonly sigma?: number;
}

/**
 * Analyses the n*n row-major factor `values` in float64. An exactly symmetric factor (the usual
 * case: XᵀX summed in one order for M_ij and M_ji) is decomposed once for the clean spectrum,
 * which then also serves as the general eigenvalues (imaginary parts 0); otherwise the general
 * solver runs as well. Throws a sentence naming the problem on a malformed or non-finite input.
 */
export function analyseFactor(values: ArrayLike<number>, n: number, options: AnalyseFactorOptions): FactorAnalysis {
  const start = performance.now();
  checkSquareMatrix(values, n);
  const { seed, sigma = PERTURBATION_SIGMA } = options;
  if (!Number.isSafeInteger(seed)) throw new Error(`analyseFactor: seed ${seed} is not allowed; the perturbation's seed must be an integer.`);
  const matrix = Float64Array.from(values);
  const clean = symmetricEigenvaluesFromLower(matrix, n);
  const eigenvalues = isExactlySymmetric(matrix, n) ? { re: clean, im: new Array<number>(n).fill(0) } : generalEigenvalues(matrix, n);
  const noisyMatrix = perturbOffDiagonal(matrix, n, sigma, seed);
  const noisy = symmetricEigenvaluesFromLower(noisyMatrix, n);
  return {
    n,
    range: matrixRange(matrix),
    gershgorin: gershgorinDiscs(matrix, n),
    eigenvalues,
    perturbation: { sigma, seed, clean, noisy },
    frequency: frequencyField(matrix, n),
    snrDb: snrDb(matrix, noisyMatrix, n),
    diagonalShare: diagonalShare(matrix, n),
    milliseconds: performance.now() - start,
  };
}
