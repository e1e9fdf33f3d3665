// Scalar summaries of a factor: its range, the SNR of the seed's notebooks, and the diagonal's share of the energy.

/** Global min and max of the entries (one step's heatmap scale). */
export function matrixRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    if (values[k] < min) min = values[k];
    if (values[k] > max) max = values[k];
  }
  return { min, max };
}

/**
 * SNR in dB = 10 · log10( mean(diag(M)²) / mean(triu(M_noisy, 1)²) ): the first mean over the n
 * diagonal entries of the clean M, the second over all n² entries of the strictly-upper-triangle
 * array of the noisy M (its zeros included), exactly as the seed computes it.
 */
export function snrDb(values: ArrayLike<number>, noisy: ArrayLike<number>, n: number): number {
  let signal = 0;
  for (let i = 0; i < n; i++) signal += values[i * n + i] ** 2;
  let noise = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) noise += noisy[i * n + j] ** 2;
  return 10 * Math.log10(signal / n / (noise / (n * n)));
}

/** ‖diag M‖² / ‖M‖_F²: 1 for a diagonal matrix, 1/n for a constant one, NaN for the zero matrix. */
export function diagonalShare(values: ArrayLike<number>, n: number): number {
  let diagonal = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const square = values[i * n + j] ** 2;
      total += square;
      if (i === j) diagonal += square;
    }
  }
  return diagonal / total;
}
