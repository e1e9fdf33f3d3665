// Running totals over an evaluation pass, for batches whose tail may be padding:
//   totals[0] += sum_{b < rows} losses[b]
//   totals[1] += #{ b < rows : argmax_k logits[b,k] == labels[b] }   (first maximum on ties)
//   totals[2] += rows
// with rows = min(validRows[0], B) written by the host per batch, so a last, short batch is
// padded up to the model's batch size without its padding counting. One workgroup; the host
// zeroes the totals before the pass and reads them once after it.
override WG: u32 = 256; // a power of two, for the tree reduction

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
    totals[0] += lossSums[0];
    totals[1] += f32(correctCounts[0]);
    totals[2] += f32(rows);
  }
}
