// LayerNorm parameter gradients from the saved mean and rstd, xhat = (x - mean_n) * rstd_n:
// dWeight[c] (+)= sum_n dOut[n, c] * xhat[n, c] (with WEIGHT_GRAD),
// dBias[c] (+)= sum_n dOut[n, c] (with BIAS_GRAD).
// Column sums over the N rows: a workgroup takes COLUMNS adjacent columns, so each row's loads
// are contiguous, with WG / COLUMNS invocations per column striding over the rows, then a tree
// reduction per column.
//
// Layout 'auto' keeps every binding referenced, even under an override, so a call that wants
// one gradient binds the placeholder for the other, never touched; inp, mean and rstd are bound
// without WEIGHT_GRAD too, but not read.
override WG: u32;
// A power of two dividing WG.
override COLUMNS: u32;
override WEIGHT_GRAD: bool;
override BIAS_GRAD: bool;
override ACCUMULATE_PARAMS: bool;

struct Params { N: u32, C: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dWeight: array<f32>;
@group(0) @binding(6) var<storage, read_write> dBias: array<f32>;

// (sum dOut * xhat, sum dOut) partials, indexed lane * COLUMNS + column.
var<workgroup> partial: array<vec2f, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let lanes = WG / COLUMNS;
  let lane = li / COLUMNS;
  // Column blocks are folded over x and y when they need more than one grid dimension.
  let c = (wid.x + wid.y * groups.x) * COLUMNS + li % COLUMNS;
  // Columns past the end still take part in the barriers, so they idle instead of returning.
  let inRange = c < params.C;
  var sums = vec2f(0.0);
  if (inRange) {
    for (var n = lane; n < params.N; n += lanes) {
      let i = n * params.C + c;
      let g = dOut[i];
      var weighted = 0.0;
      if (WEIGHT_GRAD) { weighted = g * (inp[i] - mean[n]) * rstd[n]; }
      sums += vec2f(weighted, g);
    }
  }
  partial[li] = sums;
  workgroupBarrier();
  for (var stride = lanes / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) { partial[li] += partial[li + stride * COLUMNS]; }
    workgroupBarrier();
  }
  if (!inRange || lane != 0u) { return; }
  var grads = partial[li];
  if (WEIGHT_GRAD) {
    if (ACCUMULATE_PARAMS) { grads.x += dWeight[c]; }
    dWeight[c] = grads.x;
  }
  if (BIAS_GRAD) {
    if (ACCUMULATE_PARAMS) { grads.y += dBias[c]; }
    dBias[c] = grads.y;
  }
}
