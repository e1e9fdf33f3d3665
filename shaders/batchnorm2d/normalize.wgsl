// out = gamma_c * (x - center_c) * scale_c + beta_c, element-wise over NCHW, with
// training: center = batch mean, scale = the saved invStd;
// eval (FROM_VARIANCE): center = runningMean, scale = 1 / sqrt(runningVar + eps).
override WG: u32;
override FROM_VARIANCE: bool;

struct Params { n: u32, C: u32, HW: u32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> center: array<f32>;
@group(0) @binding(5) var<storage, read> spread: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let c = (i / params.HW) % params.C;
  var scale = spread[c];
  if (FROM_VARIANCE) { scale = 1.0 / sqrt(scale + params.eps); }
  out[i] = gamma[c] * (inp[i] - center[c]) * scale + beta[c];
}
