// float64 reference for GELU, exact (PyTorch's default, approximate='none') or with the tanh
// approximation of GPT-1 and GPT-2 (approximate='tanh'), each written as its formula. The
// backward adds into its gradient output or overwrites it, as its options say.
import { clearUnlessAccumulating, type InputGradientOptions } from '../backward-options';
import type { GeluApproximation } from './gelu-approximation';
import { normalCdf, normalPdf } from './erf.ref';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

/**
 * out = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) for 'none', 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 * for 'tanh', element-wise.
 */
export function geluForward(out: Float64Array, inp: Float64Array, n: number, approximate: GeluApproximation): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i];
    out[i] = approximate === 'none' ? x * normalCdf(x) : 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x)));
  }
}

/**
 * dInp (+)= dOut * d/dx gelu(x): Phi(x) + x phi(x) for 'none'; for 'tanh' the exact derivative of
 * the approximation, 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2),
 * u = sqrt(2/pi) (x + 0.044715 x^3).
 */
export function geluBackward(
  dInp: Float64Array,
  dOut: Float64Array,
  inp: Float64Array,
  n: number,
  approximate: GeluApproximation,
  options: InputGradientOptions,
): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  for (let i = 0; i < n; i++) dInp[i] += dOut[i] * (approximate === 'none' ? exactSlope(inp[i]) : tanhSlope(inp[i]));
}

function exactSlope(x: number): number {
  return normalCdf(x) + x * normalPdf(x);
}

function tanhSlope(x: number): number {
  const t = Math.tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x));
  const du = SQRT_2_OVER_PI * (1 + 3 * CUBIC * x * x);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t) * (1 + t) * du;
}
