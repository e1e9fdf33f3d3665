// float64 reference for nn.BatchNorm2d (affine, track_running_stats) on NCHW data; a channel's
// statistics run over its M = B * HW values. The backward adds into its gradient outputs or
// overwrites them, as its options say.
import { clearUnlessAccumulating, type BackwardOptions } from '../backward-options';
import { checkTrainingBatch } from './batchnorm2d-shape';

/**
 * out = gamma * (x - mean) * invStd + beta with the batch statistics; saves mean and invStd for
 * backward, and moves the running statistics towards mean and the unbiased variance.
 */
export function batchNorm2dForwardTrain(
  out: Float64Array,
  mean: Float64Array,
  invStd: Float64Array,
  runningMean: Float64Array,
  runningVar: Float64Array,
  inp: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  B: number,
  C: number,
  HW: number,
  momentum: number,
  eps: number,
): void {
  checkTrainingBatch('batchNorm2dForwardTrain', B, HW);
  const M = B * HW;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let b = 0; b < B; b++) for (let s = 0; s < HW; s++) sum += inp[(b * C + c) * HW + s];
    const mu = sum / M;
    let squares = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < HW; s++) {
        const d = inp[(b * C + c) * HW + s] - mu;
        squares += d * d;
      }
    }
    const variance = squares / M;
    const scale = 1 / Math.sqrt(variance + eps);
    mean[c] = mu;
    invStd[c] = scale;
    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mu;
    runningVar[c] = (1 - momentum) * runningVar[c] + momentum * ((variance * M) / (M - 1));
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < HW; s++) {
        const i = (b * C + c) * HW + s;
        out[i] = gamma[c] * (inp[i] - mu) * scale + beta[c];
      }
    }
  }
}

/** out = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. */
export function batchNorm2dForwardEval(
  out: Float64Array,
  inp: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  runningMean: Float64Array,
  runningVar: Float64Array,
  B: number,
  C: number,
  HW: number,
  eps: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const scale = 1 / Math.sqrt(runningVar[c] + eps);
      for (let s = 0; s < HW; s++) {
        const i = (b * C + c) * HW + s;
        out[i] = gamma[c] * (inp[i] - runningMean[c]) * scale + beta[c];
      }
    }
  }
}

/**
 * Training-mode backward with xhat = (x - mean) * invStd:
 * dBeta_c (+)= sum dOut, dGamma_c (+)= sum dOut * xhat,
 * dInp (+)= gamma * invStd / M * (M * dOut - sum dOut - xhat * sum dOut * xhat).
 * `dInp` null skips the input gradient.
 */
/** A null gradient is not computed (dGamma or dBeta is null for a frozen parameter). */
export function batchNorm2dBackward(
  dInp: Float64Array | null,
  dGamma: Float64Array | null,
  dBeta: Float64Array | null,
  dOut: Float64Array,
  inp: Float64Array,
  gamma: Float64Array,
  mean: Float64Array,
  invStd: Float64Array,
  B: number,
  C: number,
  HW: number,
  options: BackwardOptions,
): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  clearUnlessAccumulating(options.accumulateParams, dGamma, dBeta);
  const M = B * HW;
  for (let c = 0; c < C; c++) {
    let sumDOut = 0;
    let sumDOutXhat = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < HW; s++) {
        const i = (b * C + c) * HW + s;
        sumDOut += dOut[i];
        sumDOutXhat += dOut[i] * (inp[i] - mean[c]) * invStd[c];
      }
    }
    if (dBeta) dBeta[c] += sumDOut;
    if (dGamma) dGamma[c] += sumDOutXhat;
    if (!dInp) continue;
    const scale = (gamma[c] * invStd[c]) / M;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < HW; s++) {
        const i = (b * C + c) * HW + s;
        const xhat = (inp[i] - mean[c]) * invStd[c];
        dInp[i] += scale * (M * dOut[i] - sumDOut - xhat * sumDOutXhat);
      }
    }
  }
}
