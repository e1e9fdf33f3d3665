// dBias[o] (+)= sum_n dOut[n, o]: one workgroup per column o of dOut (N, OC), each invocation
// summing a strided subset of the rows, then a tree reduction in workgroup memory.
override WG: u32;
override ACCUMULATE: bool;

struct Params { N: u32, OC: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dBias: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // The column count may exceed one grid dimension, so columns are folded over x and y.
  let o = wid.x + wid.y * groups.x;
  if (o >= params.OC) { return; }
  var sum = 0.0;
  for (var n = li; n < params.N; n += WG) { sum += dOut[n * params.OC + o]; }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    var grad = partial[0];
    if (ACCUMULATE) { grad += dBias[o]; }
    dBias[o] = grad;
  }
}
