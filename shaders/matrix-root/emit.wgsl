// The roots out of the batch (one workgroup per matrix): R = X from slot (accepted steps mod 2),
// or R = [1] for a 1 x 1 statistic; flags[matrix] = 1 when any entry of R is not finite.
override WG: u32;

const IDENTITY: u32 = 4u;
const STATE_WORDS: u32 = 8u;
const DESCRIPTOR_WORDS: u32 = 6u;

struct Params { count: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> descriptors: array<u32>;
@group(0) @binding(2) var<storage, read> state: array<u32>;
@group(0) @binding(3) var<storage, read> x0: array<f32>;
@group(0) @binding(4) var<storage, read> x1: array<f32>;
@group(0) @binding(5) var<storage, read_write> roots: array<f32>;
@group(0) @binding(6) var<storage, read_write> flags: array<u32>;

var<workgroup> nonFinite: atomic<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let matrix = wid.x;
  if (matrix >= params.count) { return; }
  let offset = descriptors[matrix * DESCRIPTOR_WORDS];
  let n = descriptors[matrix * DESCRIPTOR_WORDS + 1u];
  let words = matrix * STATE_WORDS;
  if (state[words] == IDENTITY) {
    if (li == 0u) {
      roots[offset] = 1.0;
      flags[matrix] = 0u;
    }
    return;
  }
  let odd = state[words + 2u] % 2u == 1u;
  var bad = 0u;
  for (var i = li; i < n * n; i += WG) {
    let value = select(x0[offset + i], x1[offset + i], odd);
    roots[offset + i] = value;
    bad |= u32((bitcast<u32>(value) & 0x7F800000u) == 0x7F800000u);
  }
  if (bad != 0u) { atomicOr(&nonFinite, 1u); }
  workgroupBarrier();
  if (li == 0u) { flags[matrix] = atomicLoad(&nonFinite); }
}
