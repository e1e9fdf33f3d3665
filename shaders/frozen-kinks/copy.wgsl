// out[i] = inp[i] for i < n: keeps a forward's ReLU and max-pool inputs after the activations
// are overwritten, so later passes can stay on the same smooth piece of the loss.
override WG: u32;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  out[i] = inp[i];
}
