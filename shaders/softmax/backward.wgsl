// Input gradient of the softmax over the last dimension, from its output y = softmax(x) (N, C):
//   dInp[n, c] (+)= y[n, c] * (dOut[n, c] - sum_j dOut[n, j] * y[n, j]),
// i.e. dx = y ⊙ (dy - <dy, y>) per row, the Jacobian diag(y) - y yᵀ applied to dy.
// LANES invocations share a row and WG / LANES rows share a workgroup, as in the forward.
override WG: u32;
// A power of two dividing WG.
override LANES: u32;
override ACCUMULATE: bool;

struct Params { N: u32, C: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> dInp: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let lane = li % LANES;
  // Workgroups are folded over x and y when the rows need more than one grid dimension.
  let n = (wid.x + wid.y * groups.x) * (WG / LANES) + li / LANES;
  // Rows past the end still take part in the barriers, so they idle instead of returning.
  let inRange = n < params.N;
  let C = params.C;
  let row = n * C;
  var dot = 0.0;
  if (inRange) {
    for (var c = lane; c < C; c += LANES) { dot += dOut[row + c] * out[row + c]; }
  }
  partial[li] = dot;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  let total = partial[li - lane];
  for (var c = lane; c < C; c += LANES) {
    var grad = out[row + c] * (dOut[row + c] - total);
    if (ACCUMULATE) { grad += dInp[row + c]; }
    dInp[row + c] = grad;
  }
}
