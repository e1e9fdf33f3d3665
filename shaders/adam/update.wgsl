// Adam and AdamW (torch.optim.Adam / AdamW), element-wise over the flat parameter buffer:
//   θ = decay * θ                        decay = 1 - lr * weight_decay for AdamW, 1 for Adam
//   g = grad + coupled_decay * θ         coupled_decay = weight_decay for Adam, 0 for AdamW
//   m = β1 m + (1 - β1) g
//   v = β2 v + (1 - β2) g²
//   θ = θ - step_size * m / (sqrt(v) / sqrt(bc2) + eps)
// with step_size = lr / (1 - β1^t), bc2 = 1 - β2^t, t = step + 1, all computed on the host in
// float64. Padding has θ = 0 and grad = 0, so m = v = 0 there and θ stays 0.
override WG: u32;

struct Scalars {
  step_size: f32,
  bc2_sqrt: f32,
  eps: f32,
  beta1: f32,
  one_minus_beta1: f32,
  beta2: f32,
  one_minus_beta2: f32,
  coupled_decay: f32,
  decay: f32,
}

@group(0) @binding(0) var<storage, read> s: Scalars;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= arrayLength(&params)) { return; }
  let theta = s.decay * params[i];
  let g = grads[i] + s.coupled_decay * theta;
  let m = s.beta1 * exp_avg[i] + s.one_minus_beta1 * g;
  let v = s.beta2 * exp_avg_sq[i] + s.one_minus_beta2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  params[i] = theta - s.step_size * (m / (sqrt(v) / s.bc2_sqrt + s.eps));
}
