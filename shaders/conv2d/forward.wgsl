// out[b, co, oy, ox] = bias[co] (with HAS_BIAS)
//   + sum_{ci, ky, kx} weight[co, ci, ky, kx] * inp[b, ci, oy * stride - pad + ky, ox * stride - pad + kx],
// where input positions outside the image are zero (zero padding).
//
// An implicit GEMM, out (Cout, B*Hout*Wout) = Wt @ P, over the inner index r = (ci, ky, kx) of
// length Cin*K*K: Wt[co, r] is the weight as stored and P[r, (b, oy, ox)] is the input patch.
// P is never materialised: each element is gathered from inp while a slice is staged.
//
// A workgroup owns a TM x TN block of the output and walks r in slices of TK staged in
// workgroup memory. Each invocation accumulates a BM x BN register block whose rows and columns
// are strided by THREADS_M and THREADS_N, so neighbouring invocations read neighbouring words
// and write neighbouring output pixels.
//
// The register block is spelled out (acc0_0..acc7_1, not an array indexed in a loop): SwiftShader,
// which CI runs, does not unroll the loops and keeps such an array in memory; spelled out it
// measured twice as fast. 8 x 8 reads 16 workgroup-memory words per 64 multiply-adds where
// 4 x 4 reads 8 per 16, another factor of about 1.6 there.
const BM: u32 = 8;
const BN: u32 = 8;
const TK: u32 = 16;

// TM * TN a multiple of BM * BN * TK (the launcher picks them), so THREADS is a multiple of TK
// and every invocation stages one fixed r offset of each slice.
override TM: u32 = 32;
override TN: u32 = 32;
// Without bias the launcher binds a placeholder at binding 3: layout 'auto' keeps the binding,
// as it is referenced, but it is never read.
override HAS_BIAS: bool;
override THREADS_M: u32 = TM / BM;
override THREADS_N: u32 = TN / BN;
override THREADS: u32 = THREADS_M * THREADS_N;
// Tile rows padded by one word: the staging writes run down a column, which would otherwise
// hit a single memory bank on a GPU.
override ROW_A: u32 = TM + 1;
override ROW_P: u32 = TN + 1;

struct Params { batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Both tiles are stored r-major: tileA[r * ROW_A + co], tileP[r * ROW_P + column].
var<workgroup> tileA: array<f32, TK * ROW_A>;
var<workgroup> tileP: array<f32, TK * ROW_P>;
// The workgroup's output pixels, decomposed once instead of in every slice: the top-left input
// position of the window (row, column) and its offset in inp, and the pixel's offset in out.
var<workgroup> windowY: array<i32, TN>;
var<workgroup> windowX: array<i32, TN>;
var<workgroup> windowOffset: array<i32, TN>;
var<workgroup> outOffset: array<u32, TN>;

// Writes one register-block row: out at channel co and columns n0 + j * THREADS_N of the tile.
fn store(co: u32, n0: u32, col0: u32, sums0: vec4f, sums1: vec4f) {
  if (co >= params.cout) { return; }
  let plane = params.hout * params.wout;
  var offset = 0.0;
  if (HAS_BIAS) { offset = bias[co]; }
  for (var j = 0u; j < BN; j++) {
    let n = n0 + j * THREADS_N;
    if (col0 + n >= params.batch * plane) { return; }
    out[outOffset[n] + co * plane] = select(sums1[j % 4u], sums0[j % 4u], j < 4u) + offset;
  }
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let plane = params.hout * params.wout;
  let kk = params.k * params.k;
  let inner = params.cin * kk;
  let ih = i32(params.h);
  let iw = i32(params.w);

  for (var n = li; n < TN; n += THREADS) {
    let column = col0 + n;
    let b = column / plane;
    let pix = column % plane;
    let y = i32((pix / params.wout) * params.stride) - i32(params.pad);
    let x = i32((pix % params.wout) * params.stride) - i32(params.pad);
    // A column past the end gets a window no tap can bring into the image.
    windowY[n] = select(-i32(params.k), y, column < params.batch * plane);
    windowX[n] = x;
    windowOffset[n] = i32(b * params.cin * params.h * params.w) + y * iw + x;
    outOffset[n] = b * params.cout * plane + pix;
  }
  workgroupBarrier();

  // Staging runs along r: consecutive invocations read consecutive weights and neighbouring taps.
  let rLoad = li % TK;
  let firstLoad = li / TK;
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

  for (var r0 = 0u; r0 < inner; r0 += TK) {
    let r = r0 + rLoad;
    let inRange = r < inner;
    let tap = r % kk;
    // Past the end of r, a tap offset no window can bring into the image.
    let ky = select(ih + i32(params.pad + params.k), i32(tap / params.k), inRange);
    let kx = i32(tap % params.k);
    let tapOffset = i32((r / kk) * params.h * params.w) + ky * iw + kx;
    for (var m = firstLoad; m < TM; m += THREADS / TK) {
      let co = row0 + m;
      var value = 0.0;
      if (inRange && co < params.cout) { value = weight[co * inner + r]; }
      tileA[rLoad * ROW_A + m] = value;
    }
    for (var n = firstLoad; n < TN; n += THREADS / TK) {
      // Unsigned comparisons also reject negative positions (the zero padding).
      let iy = u32(windowY[n] + ky);
      let ix = u32(windowX[n] + kx);
      var value = 0.0;
      if (iy < params.h && ix < params.w) { value = inp[u32(windowOffset[n] + tapOffset)]; }
      tileP[rLoad * ROW_P + n] = value;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let pb = k * ROW_P + lid.x;
      let v0 = vec4f(tileP[pb], tileP[pb + THREADS_N], tileP[pb + 2u * THREADS_N], tileP[pb + 3u * THREADS_N]);
      let v1 = vec4f(tileP[pb + 4u * THREADS_N], tileP[pb + 5u * THREADS_N], tileP[pb + 6u * THREADS_N], tileP[pb + 7u * THREADS_N]);
      let ab = k * ROW_A + lid.y;
      let a0 = tileA[ab];
      let a1 = tileA[ab + THREADS_M];
      let a2 = tileA[ab + 2u * THREADS_M];
      let a3 = tileA[ab + 3u * THREADS_M];
      let a4 = tileA[ab + 4u * THREADS_M];
      let a5 = tileA[ab + 5u * THREADS_M];
      let a6 = tileA[ab + 6u * THREADS_M];
      let a7 = tileA[ab + 7u * THREADS_M];
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

  let co = row0 + lid.y;
  store(co, lid.x, col0, acc0_0, acc0_1);
  store(co + THREADS_M, lid.x, col0, acc1_0, acc1_1);
  store(co + 2u * THREADS_M, lid.x, col0, acc2_0, acc2_1);
  store(co + 3u * THREADS_M, lid.x, col0, acc3_0, acc3_1);
  store(co + 4u * THREADS_M, lid.x, col0, acc4_0, acc4_1);
  store(co + 5u * THREADS_M, lid.x, col0, acc5_0, acc5_1);
  store(co + 6u * THREADS_M, lid.x, col0, acc6_0, acc6_1);
  store(co + 7u * THREADS_M, lid.x, col0, acc7_0, acc7_1);
}
