// First pass of the loss and accuracy totals, one workgroup per row b:
//   predictions[b] = argmax_k logits[b,k]      (the first maximum on ties, as torch.argmax)
// for the rows the totals count: b < min(validRows[0], B) and labels[b] != IGNORE_TARGET.
// Padding and ignored rows are skipped, their entries left as they were; the reduction that
// reads `predictions` skips exactly the same rows. Each lane scans a strided slice of the row
// and the lanes' (value, index) pairs meet in a tree reduction, so a 50,000-class row is read by
// WG invocations at once rather than by one.
override WG: u32; // a power of two, for the tree reduction

struct Params { batch: u32, classes: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> validRows: array<u32>;
@group(0) @binding(4) var<storage, read_write> predictions: array<u32>;

var<workgroup> bestValues: array<f32, WG>;
var<workgroup> bestIndices: array<u32, WG>;

// The label of a row without a target; the launcher passes IGNORE_TARGET from cross-entropy-labels.ts.
override IGNORE_TARGET: u32;
// Marks a lane that saw no element (K < WG); it never wins, even against a row of -inf.
const NO_INDEX = 0xffffffffu;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3u) {
  let b = wid.x + wid.y * groups.x;
  // Read-only storage loads at uniform indices are uniform, so all lanes return or none do.
  if (b >= min(validRows[0], params.batch) || labels[b] == IGNORE_TARGET) { return; }
  let K = params.classes;
  let row = b * K;

  // Each lane starts from its own first element rather than a sentinel value, so a row of -inf
  // still picks index 0; bestValue means nothing while best is NO_INDEX.
  var best = NO_INDEX;
  var bestValue = 0.0;
  if (lid < K) {
    best = lid;
    bestValue = logits[row + lid];
  }
  // Ascending k with a strict > keeps each lane's first maximum.
  for (var k = lid + WG; k < K; k += WG) {
    let v = logits[row + k];
    if (v > bestValue) {
      bestValue = v;
      best = k;
    }
  }
  bestValues[lid] = bestValue;
  bestIndices[lid] = best;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      let v = bestValues[lid + stride];
      let i = bestIndices[lid + stride];
      let mine = bestIndices[lid];
      // The lower index wins a tie, so the result is the row's first maximum whatever the lane order.
      let better = v > bestValues[lid] || (v == bestValues[lid] && i < mine);
      if (i != NO_INDEX && (mine == NO_INDEX || better)) {
        bestValues[lid] = v;
        bestIndices[lid] = i;
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) { predictions[b] = bestIndices[0]; }
}
