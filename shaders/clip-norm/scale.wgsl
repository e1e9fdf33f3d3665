// grads[i] *= min(1, maxNorm / (norm + 1e-6)) with norm = scratch[0], as
// torch.nn.utils.clip_grad_norm_: a gradient whose norm is at most maxNorm is multiplied by
// exactly 1. A NaN norm gives a NaN factor (the comparison fails), so a non-finite gradient
// stays non-finite rather than passing unclipped.
override WG: u32;

struct Params { n: u32, maxNorm: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> scratch: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let coefficient = params.maxNorm / (scratch[0] + 1e-6);
  grads[i] *= select(coefficient, 1.0, coefficient >= 1.0);
}
