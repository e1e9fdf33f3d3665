// dInp (+)= dOut * [inp > 0]; the gradient at 0 is 0, as in PyTorch.
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
  var grad = select(0.0, dOut[i], inp[i] > 0.0);
  if (ACCUMULATE) { grad += dInp[i]; }
  dInp[i] = grad;
}
