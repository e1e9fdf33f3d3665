// float64 reference of what the inspector measures of one Linear or Conv2d layer: the full
// factors H = Xᵀ X / N and S = Gᵀ G / N (no bias column, no centring), their diagonal shares,
// and the running average of their min-max normalised values that the full-factor views show
// (run-inspector.ts is the GPU side).

import { gram } from '../kernels/gram/gram.ref';
import { diagonalShare } from '../kernels/square-sums/square-sums.ref';
import { minMaxAverage } from '../kernels/minmax-average/minmax-average.ref';
import type { FactorGeometry } from './factor-geometry';

/** The raw full factors of one measurement from the layer's input x and output gradient g. */
export function fullFactors(geometry: FactorGeometry, x: ArrayLike<number>, g: ArrayLike<number>): { H: Float64Array; S: Float64Array } {
  const H = new Float64Array(geometry.hSize ** 2);
  const S = new Float64Array(geometry.sSize ** 2);
  gram(H, x, geometry.hPatch, 1 / geometry.rows, false);
  gram(S, g, geometry.sPatch, 1 / geometry.rows, false);
  return { H, S };
}

/** ‖diag M‖² / ‖M‖_F² of a layer's raw H and S. */
export function factorShares(geometry: FactorGeometry, x: ArrayLike<number>, g: ArrayLike<number>): { h: number; s: number } {
  const { H, S } = fullFactors(geometry, x, g);
  return { h: diagonalShare(H, geometry.hSize), s: diagonalShare(S, geometry.sSize) };
}

/** The n x n identity, where every running average of a full factor starts. */
export function identityMatrix(n: number): Float64Array {
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) M[i * n + i] = 1;
  return M;
}

/**
 * M <- keep * M + add * (A - min A) / (max A - min A + 1e-12), in place, with one min and max
 * over the whole measurement A (the seed's analysis averages the full factors as AdaFisher
 * averages its diagonals).
 */
export function averageNormalized(M: Float64Array, measurement: ArrayLike<number>, keep: number, add: number): Float64Array {
  if (M.length !== measurement.length) throw new Error(`averageNormalized: the average has ${M.length} entries, the measurement ${measurement.length}`);
  return minMaxAverage(M, measurement, [{ offset: 0, length: M.length }], keep, add);
}
