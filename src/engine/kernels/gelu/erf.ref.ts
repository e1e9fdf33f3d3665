// float64 erf, erfc and the standard normal distribution for the exact GELU's reference.
// Two classical expansions, each used where it converges fast and cancels nothing:
//   erf(x)  = 2/sqrt(pi) exp(-x^2) sum_{n>=0} 2^n x^(2n+1) / (1 * 3 * ... * (2n+1))   (all terms of one sign)
//   erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))  (Laplace's continued fraction, x > 0)
// (Abramowitz and Stegun 7.1.6 and 7.1.14). The series serves |x| < 2, the continued fraction
// beyond, where erf = 1 - erfc. erfc below 2 is 1 - erf, which loses at most a factor
// 1 / erfc(2) = 214 of relative accuracy there (about 5e-14); everywhere else both are within a
// few 1e-16 (erf.test.ts checks them against values to 17 digits).
// exp(-x^2) is taken as exp(-h^2) exp(-(x - h)(x + h)) with h = x rounded to float32, whose
// square is exact in float64, so rounding x^2 does not cost a relative error of x^2 * 1e-16.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SERIES_LIMIT = 2;
// Backward evaluation of the continued fraction from this depth: at x = 2 it has settled to
// 1e-17 by about 60 levels, and it converges faster for larger x.
const FRACTION_DEPTH = 120;

/** exp(-x^2) without the rounding error of forming x^2. */
function expMinusSquare(x: number): number {
  const high = Math.fround(x);
  return Math.exp(-high * high) * Math.exp(-(x - high) * (x + high));
}

function erfSeries(x: number): number {
  const twoXSquared = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= twoXSquared / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * expMinusSquare(x) * sum;
}

/** erfc(x) for x >= SERIES_LIMIT by the continued fraction. */
function erfcFraction(x: number): number {
  // erfc(27) = 5e-319 is float64's last subnormal range; beyond it (and at infinity) erfc is 0.
  if (x > 27) return 0;
  let denominator = x;
  for (let k = FRACTION_DEPTH; k >= 1; k--) denominator = x + k / 2 / denominator;
  return (ONE_OVER_SQRT_PI * expMinusSquare(x)) / denominator;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < SERIES_LIMIT) return erfSeries(x);
  const value = 1 - erfcFraction(ax);
  return x < 0 ? -value : value;
}

/** 1 - erf(x), with full relative accuracy in the right tail where it underflows erf's last bit. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= SERIES_LIMIT) return erfcFraction(x);
  if (x > -SERIES_LIMIT) return 1 - erfSeries(x);
  return 2 - erfcFraction(-x);
}

/** The standard normal distribution function Phi(x) = (1 + erf(x / sqrt 2)) / 2, as erfc(-x / sqrt 2) / 2 so the left tail keeps its digits. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** The standard normal density phi(x) = exp(-x^2 / 2) / sqrt(2 pi). */
export function normalPdf(x: number): number {
  return (ONE_OVER_SQRT_PI / Math.SQRT2) * Math.exp(-0.5 * x * x);
}
