// Loss and accuracy totals of one batch whose tail may be padding:
//   totals[0] (+)= sum_{b < rows} losses[b]
//   totals[1] (+)= #{ b < rows : argmax_k logits[b,k] == labels[b] }   (first maximum on ties)
//   totals[2] (+)= rows
// with rows = min(validRows[0], B). ACCUMULATE adds into running totals over an evaluation
// pass (the host zeroes them before it, writes validRows per batch so a short last batch padded
// up to the model's batch size does not count its padding, and reads them once after); without
// it the totals are overwritten, as a training step's metrics are (validRows then holds B and the
// mean loss is totals[0] / totals[2]). One workgroup. The count is stored as f32, exact up to
// 2^24 rows. Labels are only compared, never used as an index, so a label >= K (which the data
// loader rejects before it reaches the GPU) cannot read out of bounds and simply counts as wrong.
override WG: u32 = 256; // a power of two, for the tree reduction
override ACCUMULATE: bool = true;

struct Params { batch: u32, classes: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> losses: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read> validRows: array<u32>;
@group(0) @binding(5) var<storage, read_write> totals: array<f32>;

var<workgroup> lossSums: array<f32, WG>;
var<workgroup> correctCounts: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let K = params.classes;
  let rows = min(validRows[0], params.batch);
  var total = 0.0;
  var correct = 0u;
  for (var b = lid; b < rows; b += WG) {
    total += losses[b];
    let row = b * K;
    var best = 0u;
    var bestValue = logits[row];
    for (var k = 1u; k < K; k++) {
      let v = logits[row + k];
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    if (best == labels[b]) { correct += 1u; }
  }
  lossSums[lid] = total;
  correctCounts[lid] = correct;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      lossSums[lid] += lossSums[lid + stride];
      correctCounts[lid] += correctCounts[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var batch = vec3f(lossSums[0], f32(correctCounts[0]), f32(rows));
    if (ACCUMULATE) { batch += vec3f(totals[0], totals[1], totals[2]); }
    totals[0] = batch.x;
    totals[1] = batch.y;
    totals[2] = batch.z;
  }
}
