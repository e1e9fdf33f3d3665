// nn.LayerNorm(C) over the rows of inp (N, C): mean_n = sum_c x / C,
// var_n = sum_c (x - mean_n)^2 / C (biased), rstd_n = 1 / sqrt(var_n + eps),
// out[n, c] = (x[n, c] - mean_n) * rstd_n * weight[c] + bias[c] (no bias term without HAS_BIAS);
// mean and rstd are saved for backward.
// LANES invocations share a row and WG / LANES rows share a workgroup, so short rows do not
// leave most of a workgroup idle. Two passes (mean, then squared deviations) because the
// one-pass E[x^2] - E[x]^2 cancels catastrophically in float32 when |mean| >> std.
override WG: u32;
// A power of two dividing WG.
override LANES: u32;
override HAS_BIAS: bool;

struct Params { N: u32, C: u32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;

var<workgroup> partial: array<f32, WG>;

// Sum of `value` over the LANES invocations of this invocation's row, returned to all of them.
fn rowSum(li: u32, lane: u32, value: f32) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  let total = partial[li - lane];
  // Nobody may overwrite the row's total for the next sum before everyone has read it.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let lane = li % LANES;
  // Workgroups are folded over x and y when the rows need more than one grid dimension.
  let n = (wid.x + wid.y * groups.x) * (WG / LANES) + li / LANES;
  // Rows past the end still take part in the barriers, so they idle instead of returning.
  let inRange = n < params.N;
  let C = params.C;
  let row = n * C;
  // Summing x - x0 (x0 the row's first value) instead of x keeps the sums near the row's spread
  // rather than its offset, so the mean does not lose the low bits of x when |mean| >> std.
  var shift = 0.0;
  var sum = 0.0;
  if (inRange) {
    shift = inp[row];
    for (var c = lane; c < C; c += LANES) { sum += inp[row + c] - shift; }
  }
  let offset = rowSum(li, lane, sum) / f32(C);
  var squares = 0.0;
  if (inRange) {
    for (var c = lane; c < C; c += LANES) {
      let d = (inp[row + c] - shift) - offset;
      squares += d * d;
    }
  }
  let s = 1.0 / sqrt(rowSum(li, lane, squares) / f32(C) + params.eps);
  if (!inRange) { return; }
  if (lane == 0u) {
    mean[n] = shift + offset;
    rstd[n] = s;
  }
  for (var c = lane; c < C; c += LANES) {
    var y = ((inp[row + c] - shift) - offset) * s * weight[c];
    if (HAS_BIAS) { y += bias[c]; }
    out[row + c] = y;
  }
}
