// h = [ sum_c m_c^2 , C ] / B^2 from a normalisation layer's channel means m (length C):
// entry 0 preconditions the scale γ, entry 1 the shift β. One workgroup.
override WG: u32;

struct Params { batch: u32, channels: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> h: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  var sum = 0.0;
  for (var c = li; c < params.channels; c += WG) { sum += m[c] * m[c]; }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    let batchSquared = f32(params.batch) * f32(params.batch);
    h[0] = partial[0] / batchSquared;
    h[1] = f32(params.channels) / batchSquared;
  }
}
