// One LayerNorm parameter gradient, for calls where the other one is null, xhat = (x - mean_n) * rstd_n:
// WEIGHTED: grad[c] (+)= sum_n dOut[n, c] * xhat[n, c] (dWeight); else grad[c] (+)= sum_n dOut[n, c] (dBias).
// Same column-block layout as layernorm-backward-params.wgsl. inp, mean and rstd are bound in
// both variants, as layout 'auto' keeps bindings referenced under an override.
override WG: u32 = 256;
// A power of two dividing WG.
override COLUMNS: u32 = 8;
override WEIGHTED: bool = true;
override ACCUMULATE_PARAMS: bool = false;

struct Params { N: u32, C: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad: array<f32>;

// Partials indexed lane * COLUMNS + column.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let lanes = WG / COLUMNS;
  let lane = li / COLUMNS;
  // Column blocks are folded over x and y when they need more than one grid dimension.
  let c = (wid.x + wid.y * groups.x) * COLUMNS + li % COLUMNS;
  // Columns past the end still take part in the barriers, so they idle instead of returning.
  let inRange = c < params.C;
  var sum = 0.0;
  if (inRange) {
    for (var n = lane; n < params.N; n += lanes) {
      let i = n * params.C + c;
      var term = dOut[i];
      if (WEIGHTED) { term *= (inp[i] - mean[n]) * rstd[n]; }
      sum += term;
    }
  }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = lanes / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) { partial[li] += partial[li + stride * COLUMNS]; }
    workgroupBarrier();
  }
  if (inRange && lane == 0u) {
    var total = partial[li];
    if (ACCUMULATE_PARAMS) { total += grad[c]; }
    grad[c] = total;
  }
}
