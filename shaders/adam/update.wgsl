// Adam and AdamW (torch.optim.Adam / AdamW), element-wise over the flat parameter buffer, with
// each tensor's parameter group (common/param-groups.wgsl: lrScale, weightDecay), lr' = lr * lrScale:
//   DECOUPLED (AdamW): θ = (1 - lr' * weightDecay) θ,  g = grad
//   coupled (Adam):    g = grad + weightDecay * θ
//   m = β1 m + (1 - β1) g
//   v = β2 v + (1 - β2) g²
//   θ = θ - stepSize * lrScale * m / (sqrt(v) / sqrt(bc2) + eps)
// with stepSize = lr / (1 - β1^t), bc2 = 1 - β2^t, t = step + 1, all computed on the host in
// float64. Padding (in no tensor) is left alone.
override WG: u32;
override DECOUPLED: bool;

struct Scalars {
  stepSize: f32,
  bc2Sqrt: f32,
  eps: f32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  lr: f32,
}

@group(0) @binding(0) var<storage, read> s: Scalars;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> expAvg: array<f32>;
@group(0) @binding(4) var<storage, read_write> expAvgSq: array<f32>;
@group(0) @binding(5) var<storage, read> groupTable: array<ParamGroup>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= arrayLength(&params)) { return; }
  let group = paramGroupOf(i);
  if (group.size == 0u) { return; }
  var theta = params[i];
  var g = grads[i];
  if (DECOUPLED) {
    theta = (1.0 - s.lr * group.lrScale * group.weightDecay) * theta;
  } else {
    g = g + group.weightDecay * theta;
  }
  let m = s.beta1 * expAvg[i] + s.oneMinusBeta1 * g;
  let v = s.beta2 * expAvgSq[i] + s.oneMinusBeta2 * g * g;
  expAvg[i] = m;
  expAvgSq[i] = v;
  params[i] = theta - s.stepSize * group.lrScale * (m / (sqrt(v) / s.bc2Sqrt + s.eps));
}
