// Second pass: for each piece of a vector v of `raw` (table as in ranges.wgsl), with min v and
// max v joined from the [min, max] of every piece of that vector:
//   D <- keep * D + add * (v - min v) / (max v - min v + 1e-12)
// over the piece's entries of `factors` (same offsets as `raw`).
override WG: u32;

struct Params { pieces: u32, keep: f32, add: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read> ranges: array<f32>;
@group(0) @binding(4) var<storage, read_write> factors: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> lows: array<f32, WG>;
var<workgroup> highs: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let piece = wid.x + wid.y * groups.x;
  if (piece >= params.pieces) { return; }
  let offset = table[4u * piece];
  let count = table[4u * piece + 1u];
  let first = table[4u * piece + 2u];
  let siblings = table[4u * piece + 3u];
  // The vector's pieces' ranges, joined by the workgroup (one read each, then a tree).
  var low = ranges[2u * first];
  var high = ranges[2u * first + 1u];
  for (var q = li; q < siblings; q += WG) {
    low = min(low, ranges[2u * (first + q)]);
    high = max(high, ranges[2u * (first + q) + 1u]);
  }
  lows[li] = low;
  highs[li] = high;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (li < half) {
      lows[li] = min(lows[li], lows[li + half]);
      highs[li] = max(highs[li], highs[li + half]);
    }
    workgroupBarrier();
  }
  low = lows[0];
  high = highs[0];
  let range = high - low + 1e-12;
  for (var k = li; k < count; k += WG) {
    let i = offset + k;
    factors[i] = params.keep * factors[i] + params.add * (raw[i] - low) / range;
  }
}
