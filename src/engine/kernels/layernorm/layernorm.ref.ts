// float64 reference for PyTorch's nn.LayerNorm(C) over the last dimension: inp (N, C) with
// N = B*T rows, weight (C), bias (C) or null, out (N, C); per-row statistics mean (N) and
// rstd (N). The backward adds into its gradient outputs or overwrites them, as its options say.
import { clearUnlessAccumulating, type BackwardOptions } from '../backward-options';
import { LAYER_NORM_EPS } from './layernorm-defaults';

/**
 * out[n, c] = (x[n, c] - mean_n) * rstd_n * weight[c] + bias[c], with mean_n the row mean and
 * rstd_n = 1 / sqrt(var_n + eps) from the biased variance. `mean` and `rstd` (N), kept for
 * backward, are written unless null (an eval-only forward needs neither).
 */
export function layerNormForward(
  out: Float64Array,
  mean: Float64Array | null,
  rstd: Float64Array | null,
  inp: Float64Array,
  weight: Float64Array,
  bias: Float64Array | null,
  N: number,
  C: number,
  eps = LAYER_NORM_EPS,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += inp[row + c];
    const mu = sum / C;
    let squares = 0;
    for (let c = 0; c < C; c++) {
      const d = inp[row + c] - mu;
      squares += d * d;
    }
    const s = 1 / Math.sqrt(squares / C + eps);
    if (mean) mean[n] = mu;
    if (rstd) rstd[n] = s;
    for (let c = 0; c < C; c++) out[row + c] = (inp[row + c] - mu) * s * weight[c] + (bias ? bias[c] : 0);
  }
}

/**
 * Backward from the saved `mean` and `rstd`, with xhat = (x - mean_n) * rstd_n and
 * g = dOut * weight:
 * dInp[n, c] (+)= rstd_n * (g[n, c] - (sum_c g + xhat[n, c] * sum_c g * xhat) / C),
 * dWeight[c] (+)= sum_n dOut[n, c] * xhat[n, c], dBias[c] (+)= sum_n dOut[n, c].
 * Null outputs are skipped.
 */
export function layerNormBackward(
  dInp: Float64Array | null,
  dWeight: Float64Array | null,
  dBias: Float64Array | null,
  dOut: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  N: number,
  C: number,
  options: BackwardOptions,
): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  clearUnlessAccumulating(options.accumulateParams, dWeight, dBias);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const xhat = (c: number) => (inp[row + c] - mean[n]) * rstd[n];
    let sumG = 0;
    let sumGXhat = 0;
    for (let c = 0; c < C; c++) {
      const g = dOut[row + c] * weight[c];
      sumG += g;
      sumGXhat += g * xhat(c);
      if (dWeight) dWeight[c] += dOut[row + c] * xhat(c);
      if (dBias) dBias[c] += dOut[row + c];
    }
    if (!dInp) continue;
    for (let c = 0; c < C; c++) {
      dInp[row + c] += rstd[n] * (dOut[row + c] * weight[c] - (sumG + xhat(c) * sumGXhat) / C);
    }
  }
}
