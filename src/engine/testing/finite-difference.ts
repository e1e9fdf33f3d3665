// Central finite differences in float64 (float32 is too coarse for them; tinygrad shows the
// same). A backward op is checked on the scalar L = sum(out * weights) with random weights,
// so dOut = weights and every gradient the op returns is dL/d(input).

import { compareArrays, type Comparison } from './compare';

/** dL/dx[i] ≈ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps), for every i. */
export function numericGradient(loss: () => number, x: Float64Array, eps = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = loss();
    x[i] = saved - eps;
    const minus = loss();
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

export function weightedSum(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * weights[i];
  return sum;
}

/** Compares an analytic gradient with the numeric one; float64 agrees to about 1e-7. */
export function checkGradient(
  label: string,
  analytic: ArrayLike<number>,
  loss: () => number,
  x: Float64Array,
  { eps = 1e-6, atol = 1e-6, rtol = 1e-5 } = {},
): Comparison {
  return compareArrays(analytic, numericGradient(loss, x, eps), { atol, rtol }, label);
}
