// First pass of the normalised running average of large factors: each piece of a vector
// (four u32 per piece: offset, count, first piece of its vector, pieces of its vector) reduces
// its values of `raw` to [min, max] in ranges[2 * piece]. The apply pass joins the pieces.
override WG: u32;

struct Params { pieces: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read_write> ranges: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> lows: array<f32, WG>;
var<workgroup> highs: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let piece = wid.x + wid.y * groups.x;
  if (piece >= params.pieces) { return; }
  let offset = table[4u * piece];
  let count = table[4u * piece + 1u];
  // Pieces hold at least one value, so every invocation can start from the first.
  var low = raw[offset];
  var high = low;
  for (var k = li; k < count; k += WG) {
    low = min(low, raw[offset + k]);
    high = max(high, raw[offset + k]);
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
  if (li == 0u) {
    ranges[2u * piece] = lows[0];
    ranges[2u * piece + 1u] = highs[0];
  }
}
