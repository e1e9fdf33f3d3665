// SGD without momentum (torch.optim.SGD, momentum = 0), element-wise over the flat parameter buffer,
// with each tensor's parameter group (common/param-groups.wgsl: lrScale, weightDecay):
//   θ = θ - lr * lrScale * (grad + weightDecay * θ)
// Padding (in no tensor) is left alone.
override WG: u32;

struct Scalars { lr: f32 }

@group(0) @binding(0) var<storage, read> s: Scalars;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read> groupTable: array<ParamGroup>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= arrayLength(&params)) { return; }
  let group = paramGroupOf(i);
  if (group.size == 0u) { return; }
  let theta = params[i];
  let g = grads[i] + group.weightDecay * theta;
  params[i] = theta - s.lr * group.lrScale * g;
}
