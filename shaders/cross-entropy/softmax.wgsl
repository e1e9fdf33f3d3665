// One workgroup per row b; with m = max_k logits[b,k] and s = sum_k exp(logits[b,k] - m):
//   losses[b]    = log(s) + (m - logits[b, label_b])
//   dLogits[b,k] = (exp(logits[b,k] - m) / s - [k == label_b]) / B      (overwritten)
// i.e. the per-row loss and the gradient of the mean loss sum_b losses[b] / B (PyTorch
// F.cross_entropy, reduction 'mean'). Subtracting m keeps exp from overflowing.
// A row whose label is IGNORE_TARGET (PyTorch's ignore_index) gets losses[b] = 0 and a zero
// dLogits row; the divisor stays B, which equals PyTorch's non-ignored count for training batches
// because they never contain ignored targets.
// Any other label >= K is clamped to K - 1 so it cannot index out of bounds; such labels are a
// data error that the data loader rejects before they reach the GPU, so the clamped value is
// never meant to be a real result.
override WG: u32; // a power of two, for the tree reductions

struct Params { batch: u32, classes: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;
@group(0) @binding(4) var<storage, read_write> dLogits: array<f32>;

var<workgroup> partial: array<f32, WG>;

const LOWEST_F32 = -0x1.fffffep+127f;
// The label of a row without a target; the launcher passes IGNORE_TARGET from cross-entropy-labels.ts.
override IGNORE_TARGET: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3u) {
  let b = wid.x + wid.y * groups.x;
  // Uniform across the workgroup, so the barriers below are still reached by all or none.
  if (b >= params.batch) { return; }
  let K = params.classes;
  let row = b * K;

  // A read-only storage load at a uniform index is uniform, so this return is too.
  if (labels[b] == IGNORE_TARGET) {
    if (lid == 0u) { losses[b] = 0.0; }
    for (var k = lid; k < K; k += WG) { dLogits[row + k] = 0.0; }
    return;
  }

  var m = LOWEST_F32;
  for (var k = lid; k < K; k += WG) { m = max(m, logits[row + k]); }
  partial[lid] = m;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] = max(partial[lid], partial[lid + stride]); }
    workgroupBarrier();
  }
  let rowMax = partial[0];
  // Every invocation must have read the max before `partial` is reused for the sum.
  workgroupBarrier();

  var s = 0.0;
  for (var k = lid; k < K; k += WG) { s += exp(logits[row + k] - rowMax); }
  partial[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  let sum = partial[0];

  let label = min(labels[b], K - 1u);
  // m - logit is taken first: adding a large m to log(s) before subtracting would drop digits.
  if (lid == 0u) { losses[b] = log(sum) + (rowMax - logits[row + label]); }
  let invSum = 1.0 / sum;
  let invBatch = 1.0 / f32(params.batch);
  for (var k = lid; k < K; k += WG) {
    let p = exp(logits[row + k] - rowMax) * invSum;
    dLogits[row + k] = (p - select(0.0, 1.0, k == label)) * invBatch;
  }
}
