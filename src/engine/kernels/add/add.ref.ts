// float64 reference for the residual add. The backward adds into each gradient output or
// overwrites it, as its options say; a null gradient output is skipped.
import { clearUnlessAccumulating, type AddBackwardOptions } from '../backward-options';

export function addForward(out: Float64Array, a: Float64Array, b: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** dA (+)= dOut, dB (+)= dOut: both branches of a residual receive the whole upstream gradient. */
export function addBackward(dA: Float64Array | null, dB: Float64Array | null, dOut: Float64Array, n: number, options: AddBackwardOptions): void {
  clearUnlessAccumulating(options.accumulateA, dA);
  clearUnlessAccumulating(options.accumulateB, dB);
  if (dA) for (let i = 0; i < n; i++) dA[i] += dOut[i];
  if (dB) for (let i = 0; i < n; i++) dB[i] += dOut[i];
}
