// Per channel c over its M = B * HW values: mean_c = sum x / M, var_c = sum (x - mean_c)^2 / M
// (biased), invStd_c = 1 / sqrt(var_c + eps);
// runningMean_c = (1 - momentum) * runningMean_c + momentum * mean_c,
// runningVar_c = (1 - momentum) * runningVar_c + momentum * var_c * M / (M - 1).
// One workgroup per channel; two passes (mean, then squared deviations) because the one-pass
// E[x^2] - E[x]^2 cancels catastrophically in float32 when |mean| >> std.
override WG: u32;

struct Params { B: u32, C: u32, HW: u32, momentum: f32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVar: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

// Sum of every invocation's `value`, returned to all of them.
fn workgroupSum(li: u32, value: f32) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  // Nobody may overwrite partial[0] for the next sum before everyone has read it.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // The channel count may exceed one grid dimension, so channels are folded over x and y.
  let c = wid.x + wid.y * groups.x;
  if (c >= params.C) { return; }
  let HW = params.HW;
  let M = params.B * HW;
  // The channel's values sit in B runs of HW; walking j over all M keeps every invocation busy
  // even when HW is smaller than the workgroup.
  var sum = 0.0;
  for (var j = li; j < M; j += WG) {
    let b = j / HW;
    sum += inp[(b * params.C + c) * HW + (j - b * HW)];
  }
  let mu = workgroupSum(li, sum) / f32(M);
  var squares = 0.0;
  for (var j = li; j < M; j += WG) {
    let b = j / HW;
    let d = inp[(b * params.C + c) * HW + (j - b * HW)] - mu;
    squares += d * d;
  }
  let variance = workgroupSum(li, squares) / f32(M);
  if (li == 0u) {
    let m = params.momentum;
    mean[c] = mu;
    invStd[c] = 1.0 / sqrt(variance + params.eps);
    runningMean[c] = (1.0 - m) * runningMean[c] + m * mu;
    runningVar[c] = (1.0 - m) * runningVar[c] + m * variance * (f32(M) / f32(M - 1u));
  }
}
