// c[b, r, h*D + d] (+)= scale * sum_t op(w)[b, h, r, t] * x[b, t, h*D + d], causal, with w
// (B, H, T, T) and x, c (B, T, C):
//   without TRANSPOSE: op(w)[r, t] = w[r, t] over t <= r   (out = P v; dQ = dS k / sqrt(D))
//   with TRANSPOSE:    op(w)[r, t] = w[t, r] over t >= r   (dV = P^T dOut; dK = dS^T q / sqrt(D))
// Entries of w outside that range are never read, so they need not be 0.
//
// Per (b, h) = workgroup_id.z, a (T, T) @ (T, D) product: a workgroup owns a TM x TN block of c
// (rows r, features d) and walks t in slices of TK staged in workgroup memory, only over the
// t that the causal range of its rows reaches. Each invocation accumulates a BM x BN register
// block whose rows and columns are strided by THREADS_M and THREADS_N, so neighbouring
// invocations read neighbouring words; one invocation writes each element of c. The block is
// spelled out (acc0_0..acc7_1) rather than an array indexed in a loop, which SwiftShader keeps
// in memory (see conv2d-forward.wgsl).
const BM: u32 = 8;
const BN: u32 = 8;
const TK: u32 = 16;

override TM: u32 = 32;
override TN: u32 = 32;
override TRANSPOSE: bool = false;
override ACCUMULATE: bool = false;
override THREADS_M: u32 = TM / BM;
override THREADS_N: u32 = TN / BN;
override THREADS: u32 = THREADS_M * THREADS_N;
// Padded by one word: staging writes run down a column, which would hit one bank on a GPU.
override ROW_W: u32 = TM + 1;
override ROW_X: u32 = TN + 1;

struct Params { T: u32, C: u32, D: u32, H: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// t-major: tileW[t * ROW_W + r], tileX[t * ROW_X + d].
var<workgroup> tileW: array<f32, TK * ROW_W>;
var<workgroup> tileX: array<f32, TK * ROW_X>;

fn readW(base: u32, r: u32, t: u32) -> f32 {
  let T = params.T;
  if (r >= T || t >= T) { return 0.0; }
  if (TRANSPOSE) {
    if (t < r) { return 0.0; }
    return w[base + t * T + r];
  }
  if (t > r) { return 0.0; }
  return w[base + r * T + t];
}

// Writes one register-block row r, features d0 + j * THREADS_N, inside c.
fn store(head: u32, r: u32, d0: u32, sums0: vec4f, sums1: vec4f) {
  if (r >= params.T) { return; }
  for (var j = 0u; j < BN; j++) {
    let d = d0 + j * THREADS_N;
    if (d >= params.D) { return; }
    let index = head + r * params.C + d;
    var value = select(sums1[j % 4u], sums0[j % 4u], j < 4u) * params.scale;
    if (ACCUMULATE) { value += c[index]; }
    c[index] = value;
  }
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let T = params.T;
  let bh = wid.z;
  let base = bh * T * T;
  let head = (bh / params.H) * T * params.C + (bh % params.H) * params.D;
  // Rows row0..row0+TM-1 reach t <= row0+TM-1 (w) or t >= row0 (w^T).
  var tStart = 0u;
  var tEnd = min(T, row0 + TM);
  if (TRANSPOSE) {
    tStart = row0;
    tEnd = T;
  }

  var acc0_0 = vec4f();
  var acc0_1 = vec4f();
  var acc1_0 = vec4f();
  var acc1_1 = vec4f();
  var acc2_0 = vec4f();
  var acc2_1 = vec4f();
  var acc3_0 = vec4f();
  var acc3_1 = vec4f();
  var acc4_0 = vec4f();
  var acc4_1 = vec4f();
  var acc5_0 = vec4f();
  var acc5_1 = vec4f();
  var acc6_0 = vec4f();
  var acc6_1 = vec4f();
  var acc7_0 = vec4f();
  var acc7_1 = vec4f();

  for (var t0 = tStart; t0 < tEnd; t0 += TK) {
    // Consecutive invocations read consecutive words of w: along t for w, along r for w^T.
    for (var l = li; l < TM * TK; l += THREADS) {
      var r = l / TK;
      var t = l % TK;
      if (TRANSPOSE) {
        r = l % TM;
        t = l / TM;
      }
      tileW[t * ROW_W + r] = readW(base, row0 + r, t0 + t);
    }
    // Consecutive invocations read consecutive features of one position.
    for (var l = li; l < TN * TK; l += THREADS) {
      let t = t0 + l / TN;
      let d = col0 + l % TN;
      var value = 0.0;
      if (t < T && d < params.D) { value = x[head + t * params.C + d]; }
      tileX[(l / TN) * ROW_X + l % TN] = value;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let xb = k * ROW_X + lid.x;
      let v0 = vec4f(tileX[xb], tileX[xb + THREADS_N], tileX[xb + 2u * THREADS_N], tileX[xb + 3u * THREADS_N]);
      let v1 = vec4f(tileX[xb + 4u * THREADS_N], tileX[xb + 5u * THREADS_N], tileX[xb + 6u * THREADS_N], tileX[xb + 7u * THREADS_N]);
      let wb = k * ROW_W + lid.y;
      let a0 = tileW[wb];
      let a1 = tileW[wb + THREADS_M];
      let a2 = tileW[wb + 2u * THREADS_M];
      let a3 = tileW[wb + 3u * THREADS_M];
      let a4 = tileW[wb + 4u * THREADS_M];
      let a5 = tileW[wb + 5u * THREADS_M];
      let a6 = tileW[wb + 6u * THREADS_M];
      let a7 = tileW[wb + 7u * THREADS_M];
      acc0_0 += a0 * v0;
      acc0_1 += a0 * v1;
      acc1_0 += a1 * v0;
      acc1_1 += a1 * v1;
      acc2_0 += a2 * v0;
      acc2_1 += a2 * v1;
      acc3_0 += a3 * v0;
      acc3_1 += a3 * v1;
      acc4_0 += a4 * v0;
      acc4_1 += a4 * v1;
      acc5_0 += a5 * v0;
      acc5_1 += a5 * v1;
      acc6_0 += a6 * v0;
      acc6_1 += a6 * v1;
      acc7_0 += a7 * v0;
      acc7_1 += a7 * v1;
    }
    workgroupBarrier();
  }

  let r = row0 + lid.y;
  let d0 = col0 + lid.x;
  store(head, r, d0, acc0_0, acc0_1);
  store(head, r + THREADS_M, d0, acc1_0, acc1_1);
  store(head, r + 2u * THREADS_M, d0, acc2_0, acc2_1);
  store(head, r + 3u * THREADS_M, d0, acc3_0, acc3_1);
  store(head, r + 4u * THREADS_M, d0, acc4_0, acc4_1);
  store(head, r + 5u * THREADS_M, d0, acc5_0, acc5_1);
  store(head, r + 6u * THREADS_M, d0, acc6_0, acc6_1);
  store(head, r + 7u * THREADS_M, d0, acc7_0, acc7_1);
}
