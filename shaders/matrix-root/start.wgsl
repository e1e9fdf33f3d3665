// The start of ComputePower for each matrix m of a batch (one workgroup per matrix), S its
// n x n statistic (row-major at `offset` in `stats`), p its exponent:
//   n == 1: status IDENTITY; the statistic is left as it is.
//   λ by ASDL's power iteration from v_0 in [-1, 1)^n, v_0[i] = 2 u - 1 with u the Philox uniform
//     of word i mod 4 of counter (floor(i / 4), step, m, 0) and key (seed, stream); error = 1 and
//     s_prev = 0 at first, then at most POWER_ITERATIONS times while error > POWER_TOLERANCE:
//       v <- v / ||v||;  w = S v;  s = v . w;  error = |s - s_prev|;  v <- w;  s_prev = s
//   S <- S + damping * λ * I   (in place: the ridge stays in the statistic, as in ASDL)
//   z = (1 + p) / (2 ||S||_F);  X_0 = z^(1/p) I;  M_0 = z S;  err_0 = max |M_0 - I|
//   status ACTIVE when err_0 > tolerance (the Newton loop's condition; LIMIT with no steps allowed),
//   else CONVERGED.
// v and w live in `vectors` (2n floats per matrix): workgroup memory could not hold them for a
// 4096-wide statistic. Sums and maxima are tree reductions over the workgroup; the loop's
// condition is read back through workgroupUniformLoad so that every invocation agrees on it.
override WG: u32;

// The status codes and state words of matrix-root-shape.ts: status, err, accepted steps, λ,
// power iterations, ||S||_F after the ridge.
const ACTIVE: u32 = 0u;
const CONVERGED: u32 = 1u;
const LIMIT: u32 = 3u;
const IDENTITY: u32 = 4u;
const STATE_WORDS: u32 = 8u;
const DESCRIPTOR_WORDS: u32 = 6u;

struct Params { count: u32, seed: u32, stream: u32, damping: f32, tolerance: f32, powerTolerance: f32, powerIterations: u32, maxIterations: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<u32>;
@group(0) @binding(2) var<storage, read> descriptors: array<u32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> vectors: array<f32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> m: array<f32>;
@group(0) @binding(7) var<storage, read_write> state: array<u32>;

var<workgroup> partial: array<f32, WG>;
var<workgroup> total: f32;

// The workgroup's sum (or maximum) of one value per invocation, the same in every invocation.
fn reduceSum(value: f32, li: u32) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { total = partial[0]; }
  return workgroupUniformLoad(&total);
}

// max as bit patterns of non-negative floats (ordered like the values, NaN above +inf), so that a
// NaN anywhere makes the maximum NaN, as torch.max does.
fn reduceMaxBits(value: u32, li: u32) -> f32 {
  partial[li] = bitcast<f32>(value);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] = bitcast<f32>(max(bitcast<u32>(partial[li]), bitcast<u32>(partial[li + stride]))); }
    workgroupBarrier();
  }
  if (li == 0u) { total = partial[0]; }
  return workgroupUniformLoad(&total);
}

fn absBits(value: f32) -> u32 {
  return bitcast<u32>(value) & 0x7FFFFFFFu;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let matrix = wid.x;
  if (matrix >= params.count) { return; }
  let base = matrix * DESCRIPTOR_WORDS;
  let offset = descriptors[base];
  let n = descriptors[base + 1u];
  let p = descriptors[base + 2u];
  let vecOffset = descriptors[base + 3u];
  let words = matrix * STATE_WORDS;
  if (n == 1u) {
    if (li == 0u) {
      state[words] = IDENTITY;
      for (var w = 1u; w < STATE_WORDS; w++) { state[words + w] = 0u; }
    }
    return;
  }

  for (var i = li; i < n; i += WG) {
    let block = philox4x32_10(vec4u(i / 4u, step[0], matrix, 0u), vec2u(params.seed, params.stream));
    vectors[vecOffset + i] = 2.0 * philox_uniform(block[i % 4u]) - 1.0;
  }
  storageBarrier();

  var error = 1.0;
  var estimate = 0.0;
  var iterations = 0u;
  var v = vecOffset;
  var w = vecOffset + n;
  while (error > params.powerTolerance && iterations < params.powerIterations) {
    var squares = 0.0;
    for (var i = li; i < n; i += WG) { squares += vectors[v + i] * vectors[v + i]; }
    let norm = sqrt(reduceSum(squares, li));
    for (var i = li; i < n; i += WG) { vectors[v + i] = vectors[v + i] / norm; }
    storageBarrier();
    var dot = 0.0;
    for (var r = li; r < n; r += WG) {
      var sum = 0.0;
      let row = offset + r * n;
      for (var c = 0u; c < n; c++) { sum += stats[row + c] * vectors[v + c]; }
      vectors[w + r] = sum;
      dot += vectors[v + r] * sum;
    }
    let quotient = reduceSum(dot, li);
    error = abs(quotient - estimate);
    estimate = quotient;
    iterations += 1u;
    let swap = v;
    v = w;
    w = swap;
    storageBarrier();
  }

  let ridge = params.damping * estimate;
  for (var i = li; i < n; i += WG) { stats[offset + i * n + i] += ridge; }
  storageBarrier();
  var squares = 0.0;
  for (var i = li; i < n * n; i += WG) { squares += stats[offset + i] * stats[offset + i]; }
  let norm = sqrt(reduceSum(squares, li));
  let z = f32(1u + p) / (2.0 * norm);
  // A statistic holding a NaN has a NaN norm and, in ASDL, a NaN root; WGSL's pow need not pass
  // a NaN through (SwiftShader returns a finite number), so the NaN norm itself is written.
  let nanNorm = (bitcast<u32>(norm) & 0x7FFFFFFFu) > 0x7F800000u;
  let diagonal = select(pow(z, 1.0 / f32(p)), norm, nanNorm);
  var deviation = 0u;
  for (var i = li; i < n * n; i += WG) {
    let onDiagonal = i % (n + 1u) == 0u;
    let scaled = stats[offset + i] * z;
    m[offset + i] = scaled;
    x[offset + i] = select(0.0, diagonal, onDiagonal);
    deviation = max(deviation, absBits(scaled - select(0.0, 1.0, onDiagonal)));
  }
  let err = reduceMaxBits(deviation, li);
  if (li == 0u) {
    // err > tolerance, compared as bit patterns: a NaN error ends the loop, as in ASDL.
    let errBits = bitcast<u32>(err);
    let iterate = errBits > bitcast<u32>(params.tolerance) && errBits <= 0x7F800000u;
    state[words] = select(CONVERGED, select(LIMIT, ACTIVE, params.maxIterations > 0u), iterate);
    state[words + 1u] = bitcast<u32>(err);
    state[words + 2u] = 0u;
    state[words + 3u] = bitcast<u32>(estimate);
    state[words + 4u] = iterations;
    state[words + 5u] = bitcast<u32>(norm);
    state[words + 6u] = 0u;
    state[words + 7u] = 0u;
  }
}
