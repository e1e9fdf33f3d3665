// dInp (+)= dOut * gelu'(x), the exact derivative of the tanh approximation
//   gelu(x) = 0.5 x (1 + tanh u), u = sqrt(2/pi) (x + 0.044715 x^3):
//   gelu'(x) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
// Evaluated with s = sigmoid(2u) = 0.5 (1 + tanh u) and e = exp(-2u), as
//   gelu'(x) = s + 2 x s (e s) u',   since 0.5 (1 - tanh^2 u) = 2 s (1 - s) and 1 - s = e s,
// which neither forms tanh (NaN for large |u| on some implementations) nor cancels 1 - s.
// 2u is clamped to [-40, 40] so exp and e * s stay finite; beyond it the dropped terms are
// below 1e-13 for |x| <= 30.
override WG: u32;
override ACCUMULATE: bool;

const SQRT_2_OVER_PI = 0.7978845608028654;
const CUBIC = 0.044715;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read_write> dInp: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let x = inp[i];
  let u = SQRT_2_OVER_PI * (x + CUBIC * x * x * x);
  let du = SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * x * x);
  let e = exp(-clamp(2.0 * u, -40.0, 40.0));
  let s = 1.0 / (1.0 + e);
  var grad = dOut[i] * (s + 2.0 * x * s * (e * s) * du);
  if (ACCUMULATE) { grad += dInp[i]; }
  dInp[i] = grad;
}
