// Between Newton steps, in one workgroup: ASDL's loop tail for each matrix still iterating,
// then the tile list and workgroup counts of the next step.
// The tail (when `decide`, i.e. after a step; not after the start):
//   e' = errors[matrix] (max |M' - I| of the step), then errors[matrix] <- 0
//   e' > 1.2 err:  status REJECTED: X' is discarded, the root stays the last accepted X
//   else:          accept (X = X', M = M', err = e', count += 1); then CONVERGED when
//                  !(err > tolerance) (a NaN error too), LIMIT when count reaches maxIterations.
//   After `count` accepted steps the root is in X slot count mod 2 (each step writes the other),
//   so accepting only counts.
// The list: the tiles (indices into the static tile table, a contiguous run per matrix) of every
// matrix still ACTIVE, in `order` (larger p first), and the counts read by dispatchWorkgroupsIndirect:
//   launch[0..3) = (tiles, 2, 1) for root-square.wgsl (two products), launch[3..6) = (tiles, 1, 1)
//   for apply.wgsl, launch[3 j .. 3 j + 3) = (tiles of matrices with log2 p >= j, 1, 1) for the
//   squaring to T^(2^j), j = 2 .. levels: a prefix of the list, as larger p come first.
override WG: u32;

const ACTIVE: u32 = 0u;
const CONVERGED: u32 = 1u;
const REJECTED: u32 = 2u;
const LIMIT: u32 = 3u;
const STATE_WORDS: u32 = 8u;
const DESCRIPTOR_WORDS: u32 = 6u;
const INFINITY_BITS: u32 = 0x7F800000u;
// The state word holding a matrix's first slot in this step's list.
const LIST_START: u32 = 6u;

struct Params { count: u32, tolerance: f32, maxIterations: u32, rejectFactor: f32, decide: u32, levels: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> descriptors: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> state: array<u32>;
@group(0) @binding(4) var<storage, read_write> errors: array<u32>;
@group(0) @binding(5) var<storage, read_write> list: array<u32>;
@group(0) @binding(6) var<storage, read_write> launch: array<u32>;

fn decide(matrix: u32) {
  let words = matrix * STATE_WORDS;
  if (state[words] != ACTIVE) { return; }
  let nextBits = errors[matrix];
  errors[matrix] = 0u;
  // Compared as bit patterns where a NaN matters: WGSL need not keep IEEE NaN semantics.
  let isNan = nextBits > INFINITY_BITS;
  let err = bitcast<f32>(state[words + 1u]);
  if (!isNan && bitcast<f32>(nextBits) > params.rejectFactor * err) {
    state[words] = REJECTED;
    return;
  }
  let count = state[words + 2u] + 1u;
  state[words + 1u] = nextBits;
  state[words + 2u] = count;
  if (isNan || nextBits <= bitcast<u32>(params.tolerance)) {
    state[words] = CONVERGED;
  } else if (count >= params.maxIterations) {
    state[words] = LIMIT;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  if (params.decide != 0u) {
    for (var matrix = li; matrix < params.count; matrix += WG) { decide(matrix); }
  }
  storageBarrier();
  if (li == 0u) {
    for (var level = 2u; level <= params.levels; level++) {
      launch[3u * level] = 0u;
      launch[3u * level + 1u] = 1u;
      launch[3u * level + 2u] = 1u;
    }
    var cursor = 0u;
    for (var k = 0u; k < params.count; k++) {
      let matrix = order[k];
      let words = matrix * STATE_WORDS;
      if (state[words] == ACTIVE) {
        state[words + LIST_START] = cursor;
        cursor += descriptors[matrix * DESCRIPTOR_WORDS + 5u];
        let levels = countTrailingZeros(descriptors[matrix * DESCRIPTOR_WORDS + 2u]);
        for (var level = 2u; level <= levels; level++) { launch[3u * level] = cursor; }
      }
    }
    launch[0] = cursor;
    launch[1] = 2u;
    launch[2] = 1u;
    launch[3] = cursor;
    launch[4] = 1u;
    launch[5] = 1u;
  }
  storageBarrier();
  for (var k = 0u; k < params.count; k++) {
    let matrix = order[k];
    let words = matrix * STATE_WORDS;
    if (state[words] == ACTIVE) {
      let start = state[words + LIST_START];
      let first = descriptors[matrix * DESCRIPTOR_WORDS + 4u];
      let tileCount = descriptors[matrix * DESCRIPTOR_WORDS + 5u];
      for (var t = li; t < tileCount; t += WG) { list[start + t] = first + t; }
    }
  }
}
