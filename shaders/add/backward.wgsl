// dA (+)= dOut and dB (+)= dOut, element-wise: both branches of out = a + b get the whole
// upstream gradient. One dispatch writes both, so dOut is read once.
override WG: u32;
override ACCUMULATE_A: bool;
override ACCUMULATE_B: bool;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dA: array<f32>;
@group(0) @binding(3) var<storage, read_write> dB: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let grad = dOut[i];
  var a = grad;
  if (ACCUMULATE_A) { a += dA[i]; }
  dA[i] = a;
  var b = grad;
  if (ACCUMULATE_B) { b += dB[i]; }
  dB[i] = b;
}
