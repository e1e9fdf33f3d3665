// float64 reference. The backward adds into its gradient output or overwrites it, as its
// options say.
import { clearUnlessAccumulating, type InputGradientOptions } from '../backward-options';

export function reluForward(out: Float64Array, inp: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = inp[i] > 0 ? inp[i] : 0;
}

export function reluBackward(dInp: Float64Array, dOut: Float64Array, inp: Float64Array, n: number, options: InputGradientOptions): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  for (let i = 0; i < n; i++) if (inp[i] > 0) dInp[i] += dOut[i];
}
