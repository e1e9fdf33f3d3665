// Softmax over the last dimension of inp (N, C), as PyTorch's nn.Softmax(dim=-1):
//   m_n = max_c x[n, c],  s_n = sum_c exp(x[n, c] - m_n),  out[n, c] = exp(x[n, c] - m_n) / s_n.
// Subtracting the row's maximum keeps every exp in (0, 1], so large logits cannot overflow and
// s_n >= 1 (the maximum contributes exp(0) = 1), so the division is always defined.
// LANES invocations share a row and WG / LANES rows share a workgroup, as in LayerNorm's
// kernels; every lane of a row has at least one of its C values (rowLanes).
override WG: u32;
// A power of two dividing WG.
override LANES: u32;

struct Params { N: u32, C: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, WG>;

// The maximum (isMax) or the sum of `value` over the LANES invocations of this invocation's
// row, returned to all of them.
fn rowReduce(li: u32, lane: u32, value: f32, isMax: bool) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      let other = partial[li + stride];
      if (isMax) { partial[li] = max(partial[li], other); } else { partial[li] += other; }
    }
    workgroupBarrier();
  }
  let total = partial[li - lane];
  // Nobody may overwrite the row's result for the next reduction before everyone has read it.
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
  // Each lane starts from its own first value rather than from -inf, which WGSL cannot write.
  var localMax = 0.0;
  if (inRange) {
    localMax = inp[row + lane];
    for (var c = lane + LANES; c < C; c += LANES) { localMax = max(localMax, inp[row + c]); }
  }
  let m = rowReduce(li, lane, localMax, true);
  var sum = 0.0;
  if (inRange) {
    for (var c = lane; c < C; c += LANES) { sum += exp(inp[row + c] - m); }
  }
  let s = rowReduce(li, lane, sum, false);
  if (!inRange) { return; }
  let scale = 1.0 / s;
  for (var c = lane; c < C; c += LANES) { out[row + c] = exp(inp[row + c] - m) * scale; }
}
