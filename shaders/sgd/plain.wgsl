// SGD without momentum (torch.optim.SGD, momentum = 0), element-wise over the flat parameter buffer:
//   θ = θ - lr * (grad + weight_decay * θ)
// Padding has θ = 0 and grad = 0, so it stays 0.
override WG: u32;

struct Scalars { lr: f32, weightDecay: f32 }

@group(0) @binding(0) var<storage, read> s: Scalars;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= arrayLength(&params)) { return; }
  let theta = params[i];
  let g = grads[i] + s.weightDecay * theta;
  params[i] = theta - s.lr * g;
}
