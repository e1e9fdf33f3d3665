// float64 reference of PyTorch's nn.Linear: inp (N, C), weight (OC, C), bias (OC), out (N, OC).
// The backward adds into its gradient outputs or overwrites them, as its options say.
import { clearUnlessAccumulating, type BackwardOptions } from '../backward-options';

/** out = inp @ weight^T + bias. */
export function linearForward(out: Float64Array, inp: Float64Array, weight: Float64Array, bias: Float64Array | null, N: number, C: number, OC: number): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      let sum = bias ? bias[o] : 0;
      for (let c = 0; c < C; c++) sum += inp[n * C + c] * weight[o * C + c];
      out[n * OC + o] = sum;
    }
  }
}

/** dInp (+)= dOut @ weight, dWeight (+)= dOut^T @ inp, dBias (+)= column sums of dOut; null outputs are skipped. */
export function linearBackward(
  dInp: Float64Array | null,
  dWeight: Float64Array | null,
  dBias: Float64Array | null,
  dOut: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  N: number,
  C: number,
  OC: number,
  options: BackwardOptions,
): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  clearUnlessAccumulating(options.accumulateParams, dWeight, dBias);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      const g = dOut[n * OC + o];
      if (dBias) dBias[o] += g;
      for (let c = 0; c < C; c++) {
        if (dInp) dInp[n * C + c] += g * weight[o * C + c];
        if (dWeight) dWeight[o * C + c] += g * inp[n * C + c];
      }
    }
  }
}
