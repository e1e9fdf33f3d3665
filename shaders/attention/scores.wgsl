// s[b, h, i, j] = scale * sum_d x[b, i, h*D + d] * y[b, j, h*D + d]   for j <= i only,
// with x, y (B, T, C) and s (B, H, T, T): the causal scores q k^T / sqrt(D) of the forward, and
// dP = dOut v^T (scale 1) of the backward. Entries j > i are not written; the row kernel that
// follows (attention-softmax or attention-softmax-backward) sets every one of them to 0.
//
// Per (b, h) = workgroup_id.z, a (T, D) @ (D, T) product: a workgroup owns a TM x TN block of s
// and walks d in slices of TK staged in workgroup memory. Blocks wholly above the diagonal have
// nothing to compute and return at once. Each invocation accumulates a BM x BN register block
// whose rows and columns are strided by THREADS_M and THREADS_N, so neighbouring invocations read
// neighbouring words. The block is spelled out (acc0_0..acc7_1) rather than an array indexed in
// a loop, which SwiftShader keeps in memory (see conv2d-forward.wgsl).
const BM: u32 = 8;
const BN: u32 = 8;
const TK: u32 = 16;

override TM: u32 = 32;
override TN: u32 = 32;
override THREADS_M: u32 = TM / BM;
override THREADS_N: u32 = TN / BN;
override THREADS: u32 = THREADS_M * THREADS_N;
// Padded by one word: staging writes run down a column, which would hit one bank on a GPU.
override ROW_X: u32 = TM + 1;
override ROW_Y: u32 = TN + 1;

struct Params { T: u32, C: u32, D: u32, H: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;

// d-major: tileX[d * ROW_X + i], tileY[d * ROW_Y + j].
var<workgroup> tileX: array<f32, TK * ROW_X>;
var<workgroup> tileY: array<f32, TK * ROW_Y>;

// Writes one register-block row i, columns j0 + c * THREADS_N, where causal and inside s.
fn store(base: u32, i: u32, j0: u32, sums0: vec4f, sums1: vec4f) {
  if (i >= params.T) { return; }
  for (var c = 0u; c < BN; c++) {
    let j = j0 + c * THREADS_N;
    if (j > i) { return; }
    s[base + i * params.T + j] = select(sums1[c % 4u], sums0[c % 4u], c < 4u) * params.scale;
  }
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  // Uniform across the workgroup, so no invocation skips a barrier that another reaches.
  if (col0 > row0 + TM - 1u) { return; }
  let T = params.T;
  let D = params.D;
  let bh = wid.z;
  let head = (bh / params.H) * T * params.C + (bh % params.H) * D;

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

  for (var d0 = 0u; d0 < D; d0 += TK) {
    // Consecutive invocations read consecutive features of one position.
    for (var l = li; l < TM * TK; l += THREADS) {
      let i = row0 + l / TK;
      let d = d0 + l % TK;
      var value = 0.0;
      if (i < T && d < D) { value = x[head + i * params.C + d]; }
      tileX[(l % TK) * ROW_X + l / TK] = value;
    }
    for (var l = li; l < TN * TK; l += THREADS) {
      let j = col0 + l / TK;
      let d = d0 + l % TK;
      var value = 0.0;
      if (j < T && d < D) { value = y[head + j * params.C + d]; }
      tileY[(l % TK) * ROW_Y + l / TK] = value;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let yb = k * ROW_Y + lid.x;
      let v0 = vec4f(tileY[yb], tileY[yb + THREADS_N], tileY[yb + 2u * THREADS_N], tileY[yb + 3u * THREADS_N]);
      let v1 = vec4f(tileY[yb + 4u * THREADS_N], tileY[yb + 5u * THREADS_N], tileY[yb + 6u * THREADS_N], tileY[yb + 7u * THREADS_N]);
      let xb = k * ROW_X + lid.y;
      let a0 = tileX[xb];
      let a1 = tileX[xb + THREADS_M];
      let a2 = tileX[xb + 2u * THREADS_M];
      let a3 = tileX[xb + 3u * THREADS_M];
      let a4 = tileX[xb + 4u * THREADS_M];
      let a5 = tileX[xb + 5u * THREADS_M];
      let a6 = tileX[xb + 6u * THREADS_M];
      let a7 = tileX[xb + 7u * THREADS_M];
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

  let base = bh * T * T;
  let i = row0 + lid.y;
  let j0 = col0 + lid.x;
  store(base, i, j0, acc0_0, acc0_1);
  store(base, i + THREADS_M, j0, acc1_0, acc1_1);
  store(base, i + 2u * THREADS_M, j0, acc2_0, acc2_1);
  store(base, i + 3u * THREADS_M, j0, acc3_0, acc3_1);
  store(base, i + 4u * THREADS_M, j0, acc4_0, acc4_1);
  store(base, i + 5u * THREADS_M, j0, acc5_0, acc5_1);
  store(base, i + 6u * THREADS_M, j0, acc6_0, acc6_1);
  store(base, i + 7u * THREADS_M, j0, acc7_0, acc7_1);
}
