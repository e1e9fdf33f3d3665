// scratch[0] = sqrt(sum_{g < groups} scratch[1 + g]): the total norm ||grads||_2 from the chunks'
// sums of squares, in one workgroup (strided sums, then a tree reduction).
override WG: u32;

struct Params { groups: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> scratch: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  var sum = 0.0;
  for (var g = li; g < params.groups; g += WG) { sum += scratch[1u + g]; }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { scratch[0] = sqrt(partial[0]); }
}
