// LayerNorm input gradient from the saved mean and rstd, xhat = (x - mean_n) * rstd_n,
// g = dOut * weight:
// dInp[n, c] (+)= rstd_n * (g[n, c] - (sum_c g + xhat[n, c] * sum_c g * xhat) / C).
// LANES invocations share a row and WG / LANES rows share a workgroup, as in the forward.
override WG: u32;
// A power of two dividing WG.
override LANES: u32;
override ACCUMULATE: bool;

struct Params { N: u32, C: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dInp: array<f32>;

// (sum g, sum g * xhat) partials.
var<workgroup> partial: array<vec2f, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let lane = li % LANES;
  // Workgroups are folded over x and y when the rows need more than one grid dimension.
  let n = (wid.x + wid.y * groups.x) * (WG / LANES) + li / LANES;
  // Rows past the end still take part in the barriers, so they idle instead of returning.
  let inRange = n < params.N;
  let C = params.C;
  let row = n * C;
  var mu = 0.0;
  var s = 0.0;
  var sums = vec2f(0.0);
  if (inRange) {
    mu = mean[n];
    s = rstd[n];
    for (var c = lane; c < C; c += LANES) {
      let g = dOut[row + c] * weight[c];
      sums += vec2f(g, g * (inp[row + c] - mu) * s);
    }
  }
  partial[li] = sums;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  let total = partial[li - lane] / f32(C);
  for (var c = lane; c < C; c += LANES) {
    let xhat = (inp[row + c] - mu) * s;
    var grad = s * (dOut[row + c] * weight[c] - (total.x + xhat * total.y));
    if (ACCUMULATE) { grad += dInp[row + c]; }
    dInp[row + c] = grad;
  }
}
