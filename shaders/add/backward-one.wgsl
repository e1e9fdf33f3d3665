// dX (+)= dOut, element-wise: the gradient of one operand of out = a + b, used when the
// other operand needs no gradient.
override WG: u32;
override ACCUMULATE: bool;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dX: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  var grad = dOut[i];
  if (ACCUMULATE) { grad += dX[i]; }
  dX[i] = grad;
}
