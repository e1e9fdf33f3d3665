// scratch[1 + g] = sum_{i in chunk g} grads[i]^2, chunk g = [g * chunk, min(n, (g + 1) * chunk)):
// the first pass of the gradient-norm clip. One workgroup per chunk, each invocation summing a
// strided subset of it, then a tree reduction in workgroup memory; the split is fixed by n, so
// the sum is the same on every run. scratch[0] is left for the norm (clip-norm/norm.wgsl).
override WG: u32;

struct Params { n: u32, chunk: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> scratch: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let start = wid.x * params.chunk;
  let end = min(params.n, start + params.chunk);
  var sum = 0.0;
  for (var i = start + li; i < end; i += WG) { sum += grads[i] * grads[i]; }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { scratch[1u + wid.x] = partial[0]; }
}
