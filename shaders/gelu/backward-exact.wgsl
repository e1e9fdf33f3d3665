// dInp (+)= dOut * gelu'(x) for the exact GELU x Phi(x): gelu'(x) = Phi(x) + x phi(x),
// phi(x) = exp(-x^2 / 2) / sqrt(2 pi). It is 0 at x = -0.7518 (GELU's minimum), where the sum
// cancels and only its absolute error (a few 1e-8) is kept; for x <= -1 the terms are
// Phi(-|x|) < phi(x) / |x| and -|x| phi(x), which cancel at most a factor 4.8 (at x = -1).
// Phi and phi come from shaders/common/normal-cdf.wgsl, joined after this source by the launcher.
override WG: u32;
override ACCUMULATE: bool;

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
  let pdf = normal_pdf(x);
  var grad = dOut[i] * (normal_cdf(x, pdf) + x * pdf);
  if (ACCUMULATE) { grad += dInp[i]; }
  dInp[i] = grad;
}
