// SGD with momentum (torch.optim.SGD), element-wise over the flat parameter buffer, with each
// tensor's parameter group (common/param-groups.wgsl: lrScale, weightDecay):
//   g   = grad + weightDecay * θ
//   buf = keep * buf + take * g          keep = 0, take = 1 at the first step (buf = g),
//                                        then keep = momentum, take = 1 - dampening
//   g   = NESTEROV ? g + momentum * buf : buf
//   θ   = θ - lr * lrScale * g
// Padding (in no tensor) is left alone.
override WG: u32;
override NESTEROV: bool;

struct Scalars { lr: f32, keep: f32, take: f32, momentum: f32 }

@group(0) @binding(0) var<storage, read> s: Scalars;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> momentumBuffer: array<f32>;
@group(0) @binding(4) var<storage, read> groupTable: array<ParamGroup>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= arrayLength(&params)) { return; }
  let group = paramGroupOf(i);
  if (group.size == 0u) { return; }
  let theta = params[i];
  var g = grads[i] + group.weightDecay * theta;
  let buf = s.keep * momentumBuffer[i] + s.take * g;
  momentumBuffer[i] = buf;
  if (NESTEROV) {
    g = g + s.momentum * buf;
  } else {
    g = buf;
  }
  params[i] = theta - s.lr * group.lrScale * g;
}
