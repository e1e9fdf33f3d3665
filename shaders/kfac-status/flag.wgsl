// First pass of K-FAC's non-finite check: flags[f] |= 1 when any of the `count` values of
// matrix f (from `offset` in `values`) is infinite or NaN, for every matrix of the table.
// Each workgroup checks one chunk of CHUNK values of one matrix; matrix f's chunks are
// firstChunk .. firstChunk + ceil(count / CHUNK) − 1. Values are tested by their bit pattern
// (exponent all ones), because WGSL lets a compiler assume that no value is infinite or NaN.
override WG: u32;
override PER_INVOCATION: u32;

struct Params { matrices: u32, chunks: u32 }

// (offset, count, firstChunk, unused) per matrix.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<vec4u>;
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> flags: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let chunk = wid.x + wid.y * groups.x;
  if (chunk >= params.chunks) { return; }
  // Matrices are few: find this chunk's by a scan.
  var f = 0u;
  while (f + 1u < params.matrices && table[f + 1u].z <= chunk) { f++; }
  let entry = table[f];
  let size = WG * PER_INVOCATION;
  let start = (chunk - entry.z) * size;
  let end = min(start + size, entry.y);
  var bad = false;
  for (var i = start + li; i < end; i += WG) {
    if (((bitcast<u32>(values[entry.x + i]) >> 23u) & 0xFFu) == 0xFFu) { bad = true; }
  }
  if (bad) { atomicOr(&flags[f], 1u); }
}
