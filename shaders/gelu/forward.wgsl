// out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), element-wise: GELU with the tanh
// approximation of GPT-1 and GPT-2 (PyTorch's approximate='tanh').
// Evaluated as x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3), the same value since
// 0.5 (1 + tanh u) = 1 / (1 + exp(-2u)). tanh itself may be computed as (e^2u - 1) / (e^2u + 1),
// which is inf / inf = NaN for large |u| on some implementations, and 1 + tanh(u) cancels to
// nothing for u << 0. 2u is clamped to [-40, 40] so exp stays finite (WGSL leaves overflow
// undefined); beyond it sigmoid(2u) is 1 in float32, or below 5e-18 where x * sigmoid is 0 to
// within 2e-16 for |x| <= 30.
override WG: u32;

const SQRT_2_OVER_PI = 0.7978845608028654;
const CUBIC = 0.044715;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let x = inp[i];
  let u = SQRT_2_OVER_PI * (x + CUBIC * x * x * x);
  out[i] = x / (1.0 + exp(-clamp(2.0 * u, -40.0, 40.0)));
}
