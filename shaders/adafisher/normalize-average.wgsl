// For each factor vector (offset, length) of the table, with v its new measurement in `raw`:
//   v <- (v - min v) / (max v - min v + 1e-12);   D <- keep * D + add * v
// (reference form keep = 1 - γ0, add = γ1; paper form keep = γ, add = 1 - γ).
// One workgroup per vector: min and max need the whole vector, and vectors are short.
override WG: u32;

struct Params { count: u32, keep: f32, add: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<vec2u>;
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read_write> factors: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> lows: array<f32, WG>;
var<workgroup> highs: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let vector = wid.x + wid.y * groups.x;
  if (vector >= params.count) { return; }
  let offset = table[vector].x;
  let length = table[vector].y;
  // Lengths are at least 1, so every invocation can start from the first value.
  var low = raw[offset];
  var high = low;
  for (var i = li; i < length; i += WG) {
    low = min(low, raw[offset + i]);
    high = max(high, raw[offset + i]);
  }
  lows[li] = low;
  highs[li] = high;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) {
      lows[li] = min(lows[li], lows[li + stride]);
      highs[li] = max(highs[li], highs[li + stride]);
    }
    workgroupBarrier();
  }
  let vmin = lows[0];
  let range = highs[0] - vmin + 1e-12;
  for (var i = li; i < length; i += WG) {
    let normalized = (raw[offset + i] - vmin) / range;
    factors[offset + i] = params.keep * factors[offset + i] + params.add * normalized;
  }
}
