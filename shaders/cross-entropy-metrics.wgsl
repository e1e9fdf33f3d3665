// metrics[0] = sum_b losses[b] / B                                  (mean loss)
// metrics[1] = #{ b : argmax_k logits[b,k] == labels[b] }           (correct rows)
// The arg-max takes the first maximum on ties, as torch.argmax does. A single workgroup: each
// invocation takes rows lid, lid + WG, ... and a tree reduction combines them. The count is
// stored as f32, exact up to 2^24 rows. Labels are only compared, never used as an index, so a
// label >= K (which the data loader rejects before it reaches the GPU) cannot read out of
// bounds and would simply count as wrong.
override WG: u32 = 256; // a power of two, for the tree reduction

struct Params { batch: u32, classes: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> losses: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>;

var<workgroup> lossSums: array<f32, WG>;
var<workgroup> correctCounts: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let K = params.classes;
  var total = 0.0;
  var correct = 0u;
  for (var b = lid; b < params.batch; b += WG) {
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
    metrics[0] = lossSums[0] / f32(params.batch);
    metrics[1] = f32(correctCounts[0]);
  }
}
