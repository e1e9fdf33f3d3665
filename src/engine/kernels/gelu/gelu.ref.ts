// float64 reference for GELU with the tanh approximation of GPT-1 and GPT-2 (PyTorch's
// approximate='tanh'), written as the formula itself. The backward adds into its gradient output
// or overwrites it, as its options say.
import { clearUnlessAccumulating, type InputGradientOptions } from '../backward-options';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

/** out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), element-wise. */
export function geluForward(out: Float64Array, inp: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i];
    out[i] = 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x)));
  }
}

/**
 * dInp (+)= dOut * d/dx gelu(x), the exact derivative of the approximation:
 * 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2), u = sqrt(2/pi) (x + 0.044715 x^3).
 */
export function geluBackward(dInp: Float64Array, dOut: Float64Array, inp: Float64Array, n: number, options: InputGradientOptions): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  for (let i = 0; i < n; i++) {
    const x = inp[i];
    const t = Math.tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x));
    const du = SQRT_2_OVER_PI * (1 + 3 * CUBIC * x * x);
    dInp[i] += dOut[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t) * (1 + t) * du);
  }
}
