// The standard normal distribution Phi(x) = 0.5 (1 + erf(x / sqrt 2)) and density
// phi(x) = exp(-x^2 / 2) / sqrt(2 pi) in float32, for the exact GELU x Phi(x). WGSL has no erf,
// and 1 + erf(x / sqrt 2) would cancel to nothing for x << 0, so Phi is evaluated directly:
//   |x| < 1:  Phi(x) = 0.5 + x P(x^2), P of degree 5;
//   |x| >= 1: Q = Phi(-|x|) = phi(|x|) t H(t), t = 3 / (3 + |x|), H of degree 10 (t H(t) is the
//             Mills ratio Phi(-x) / phi(x), about 1/x for large x); Phi(x) = Q for x < 0, 1 - Q for x > 0.
// P and H are least-squares fits of the relative error at 800 Chebyshev nodes against 30-digit
// values (mpmath): within 7e-10 (P) and 2.6e-9 (t H) relative, and 3.6e-8 and 3.0e-8 with the
// coefficients rounded to float32. In a float32 simulation with a correctly rounded exp, Phi is
// within 3.4e-7 relative (5.6 ulp) and x Phi(x) within 3.6e-7 over [-13, 13], the tails included;
// on the GPU (SwiftShader, gelu.browser.test.ts) x Phi(x) is within 4.6e-7 relative and the
// slope Phi(x) + x phi(x) within 1.6e-7 absolute.
// exp(-x^2 / 2) keeps its digits by two exact splits: x = h + l, h = x with its low 12 bits
// cleared, so x^2 / 2 = h^2 / 2 (exact) + l (x + h) / 2; then, with n = round(h^2 / 2 / ln 2),
// exp(-x^2 / 2) = 2^-n exp(-r), r = h^2 / 2 - n ln2_hi - n ln2_lo + l (x + h) / 2 and |r| <= 0.35,
// where n ln2_hi is exact (ln2_hi has 15 bits). WGSL allows exp an error of 3 + 2 |a| ulp at a,
// which at a = 50 would be 100 ulp. Beyond |x| = 13, phi and Phi(-|x|) are below float32's
// normal range (1.2e-38, where subnormals may flush to zero), and they are taken as 0.

const INV_SQRT_2PI = 0.3989422804014327;
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;
const INV_LN2 = 1.4426950408889634;
const NORMAL_LIMIT = 13.0;
const MILLS_SCALE = 3.0;

/** phi(x) for |x| <= NORMAL_LIMIT, 0 beyond. */
fn normal_pdf(x: f32) -> f32 {
  let ax = abs(x);
  if (ax > NORMAL_LIMIT) { return 0.0; }
  let h = bitcast<f32>(bitcast<u32>(ax) & 0xfffff000u);
  let a = 0.5 * h * h;
  let b = 0.5 * (ax - h) * (ax + h);
  let n = round(a * INV_LN2);
  let r = (a - n * LN2_HI) - n * LN2_LO + b;
  return INV_SQRT_2PI * ldexp(exp(-r), -i32(n));
}

/** Phi(-|x|) = phi(x) t H(t), t = 3 / (3 + |x|), for |x| >= 1. */
fn normal_upper_tail(ax: f32, pdf: f32) -> f32 {
  let t = MILLS_SCALE / (MILLS_SCALE + ax);
  var hs = -0.034926023334264755;
  hs = hs * t + 0.06196433678269386;
  hs = hs * t + 0.06393451243638992;
  hs = hs * t - 0.17107343673706055;
  hs = hs * t + 0.014481524005532265;
  hs = hs * t + 0.007490010932087898;
  hs = hs * t + 0.12640608847141266;
  hs = hs * t + 0.22193913161754608;
  hs = hs * t + 0.29630982875823975;
  hs = hs * t + 0.3333330750465393;
  hs = hs * t + 0.3333333432674408;
  return pdf * t * hs;
}

/** Phi(x), given pdf = normal_pdf(x). */
fn normal_cdf(x: f32, pdf: f32) -> f32 {
  let ax = abs(x);
  if (ax < 1.0) {
    let z = x * x;
    var p = -7.65214008424664e-6;
    p = p * z + 0.00011348116095177829;
    p = p * z - 0.0011863253312185407;
    p = p * z + 0.009973322041332722;
    p = p * z - 0.06649035960435867;
    p = p * z + 0.3989422917366028;
    return 0.5 + x * p;
  }
  let q = normal_upper_tail(ax, pdf);
  return select(1.0 - q, q, x < 0.0);
}
