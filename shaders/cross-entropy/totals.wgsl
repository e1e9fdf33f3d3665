// Loss and accuracy totals of one batch whose tail may be padding and whose rows may be ignored:
//   totals[0] (+)= sum_{b in R} losses[b]
//   totals[1] (+)= #{ b in R : predictions[b] == labels[b] }
//   totals[2] (+)= #R
// with R = { b < min(validRows[0], B) : labels[b] != IGNORE_TARGET }, and predictions the
// per-row arg-maxes that argmax.wgsl wrote for exactly the rows of R, so this
// pass reads one value per row and one workgroup suffices. totals[0] / totals[2] is PyTorch's
// mean over non-ignored tokens. ACCUMULATE adds into running totals over an evaluation pass (the
// host zeroes them before it, writes validRows per batch so a short last batch padded up to the
// model's batch size does not count its padding, and reads them once after); without it the
// totals are overwritten, as a training step's metrics are (validRows then holds B). Counts are
// stored as f32, exact up to 2^24 rows. A label >= K other than IGNORE_TARGET (a data error the
// data loader rejects before it reaches the GPU) is counted and simply never correct.
override WG: u32; // a power of two, for the tree reduction
override ACCUMULATE: bool;

struct Params { batch: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> losses: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> validRows: array<u32>;
@group(0) @binding(4) var<storage, read> predictions: array<u32>;
@group(0) @binding(5) var<storage, read_write> totals: array<f32>;

var<workgroup> lossSums: array<f32, WG>;
var<workgroup> correctCounts: array<u32, WG>;
var<workgroup> rowCounts: array<u32, WG>;

// The label of a row without a target; the launcher passes IGNORE_TARGET from cross-entropy-labels.ts.
override IGNORE_TARGET: u32;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let rows = min(validRows[0], params.batch);
  var total = 0.0;
  var correct = 0u;
  var counted = 0u;
  for (var b = lid; b < rows; b += WG) {
    let label = labels[b];
    if (label == IGNORE_TARGET) { continue; }
    total += losses[b];
    if (predictions[b] == label) { correct += 1u; }
    counted += 1u;
  }
  lossSums[lid] = total;
  correctCounts[lid] = correct;
  rowCounts[lid] = counted;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      lossSums[lid] += lossSums[lid + stride];
      correctCounts[lid] += correctCounts[lid + stride];
      rowCounts[lid] += rowCounts[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var batch = vec3f(lossSums[0], f32(correctCounts[0]), f32(rowCounts[0]));
    if (ACCUMULATE) { batch += vec3f(totals[0], totals[1], totals[2]); }
    totals[0] = batch.x;
    totals[1] = batch.y;
    totals[2] = batch.z;
  }
}
