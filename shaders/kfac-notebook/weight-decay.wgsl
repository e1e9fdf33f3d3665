// The notebook K-FAC's coupled weight decay, switched on after 20·TCov steps:
//   grads[i] += scalars[1] · params[i]   over the whole flat buffer
// (scalars[1] is the weight decay once it applies, 0 before).
override WG: u32;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> theta: array<f32>;
@group(0) @binding(2) var<storage, read> scalars: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  grads[i] += scalars[1] * theta[i];
}
