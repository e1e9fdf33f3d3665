// dWeight[co, ci, ky, kx] (+)= sum_{b, oy, ox} dOut[b, co, oy, ox] * inp[b, ci, oy * stride - pad + ky, ox * stride - pad + kx],
// where input positions outside the image are zero.
//
// An implicit GEMM, dWeight (Cout, Cin*K*K) = A @ P, over the inner index p = (b, oy, ox) of
// length B*Hout*Wout: A[co, p] = dOut[b, co, oy, ox] and P[p, (ci, ky, kx)] is the input patch.
// P is never materialised: each element is gathered from inp while a slice is staged.
//
// A workgroup owns a TM x TN block of dWeight and walks p in slices of TK staged in workgroup
// memory. Each invocation accumulates a BM x BN register block whose rows and columns are
// strided by THREADS_M and THREADS_N, so neighbouring invocations read neighbouring words. The
// whole sum over p stays in one workgroup: each weight element is written by one invocation.
//
// The register block is spelled out (acc0_0..acc7_1, not an array indexed in a loop): SwiftShader,
// which CI runs, does not unroll the loops and keeps such an array in memory; spelled out it
// measured twice as fast. 8 x 8 reads 16 workgroup-memory words per 64 multiply-adds where
// 4 x 4 reads 8 per 16, another factor of about 1.6 there.
const BM: u32 = 8;
const BN: u32 = 8;
const TK: u32 = 16;

// TM * TN a multiple of BM * BN * TK (the launcher picks them), so THREADS is a multiple of TK
// and every invocation stages one fixed p offset of each slice.
override TM: u32 = 32;
override TN: u32 = 32;
override ACCUMULATE: bool = false;
override THREADS_M: u32 = TM / BM;
override THREADS_N: u32 = TN / BN;
override THREADS: u32 = THREADS_M * THREADS_N;
// Tile rows padded by one word: the staging writes run down a column, which would otherwise
// hit a single memory bank on a GPU.
override ROW_A: u32 = TM + 1;
override ROW_P: u32 = TN + 1;

struct Params { batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read_write> dWeight: array<f32>;

// Both tiles are stored p-major: tileA[p * ROW_A + co], tileP[p * ROW_P + column].
var<workgroup> tileA: array<f32, TK * ROW_A>;
var<workgroup> tileP: array<f32, TK * ROW_P>;
// The workgroup's columns (ci, ky, kx), decomposed once instead of in every slice: the tap's
// position in the window and its offset in inp from the window's top-left corner.
var<workgroup> tapY: array<i32, TN>;
var<workgroup> tapX: array<i32, TN>;
var<workgroup> tapOffset: array<i32, TN>;

// Writes one register-block row: dWeight at row co and columns column0 + j * THREADS_N.
fn store(co: u32, column0: u32, grads0: vec4f, grads1: vec4f) {
  let columns = params.cin * params.k * params.k;
  if (co >= params.cout) { return; }
  for (var j = 0u; j < BN; j++) {
    let column = column0 + j * THREADS_N;
    if (column >= columns) { return; }
    let index = co * columns + column;
    var grad = select(grads1[j % 4u], grads0[j % 4u], j < 4u);
    if (ACCUMULATE) { grad += dWeight[index]; }
    dWeight[index] = grad;
  }
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let plane = params.hout * params.wout;
  let inner = params.batch * plane;
  let kk = params.k * params.k;
  let columns = params.cin * kk;
  let iw = i32(params.w);

  for (var n = li; n < TN; n += THREADS) {
    let column = col0 + n;
    let tap = column % kk;
    let ky = i32(tap / params.k);
    let kx = i32(tap % params.k);
    // A column past the end gets a tap no window can bring into the image.
    tapY[n] = select(i32(params.h + params.pad), ky, column < columns);
    tapX[n] = kx;
    tapOffset[n] = i32((column / kk) * params.h * params.w) + ky * iw + kx;
  }
  workgroupBarrier();

  // Staging runs along p, contiguous in dOut and (at stride 1) in inp.
  let pLoad = li % TK;
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

  for (var p0 = 0u; p0 < inner; p0 += TK) {
    let p = p0 + pLoad;
    let inRange = p < inner;
    let b = p / plane;
    let pix = p % plane;
    let windowY = i32((pix / params.wout) * params.stride) - i32(params.pad);
    let windowX = i32((pix % params.wout) * params.stride) - i32(params.pad);
    let windowOffset = i32(b * params.cin * params.h * params.w) + windowY * iw + windowX;
    let dOutOffset = b * params.cout * plane + pix;
    for (var m = firstLoad; m < TM; m += THREADS / TK) {
      let co = row0 + m;
      var value = 0.0;
      if (inRange && co < params.cout) { value = dOut[dOutOffset + co * plane]; }
      tileA[pLoad * ROW_A + m] = value;
    }
    for (var n = firstLoad; n < TN; n += THREADS / TK) {
      // Unsigned comparisons also reject negative positions (the zero padding).
      let iy = u32(windowY + tapY[n]);
      let ix = u32(windowX + tapX[n]);
      var value = 0.0;
      if (inRange && iy < params.h && ix < params.w) { value = inp[u32(windowOffset + tapOffset[n])]; }
      tileP[pLoad * ROW_P + n] = value;
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
  let column = col0 + lid.x;
  store(co, column, acc0_0, acc0_1);
  store(co + THREADS_M, column, acc1_0, acc1_1);
  store(co + 2u * THREADS_M, column, acc2_0, acc2_1);
  store(co + 3u * THREADS_M, column, acc3_0, acc3_1);
  store(co + 4u * THREADS_M, column, acc4_0, acc4_1);
  store(co + 5u * THREADS_M, column, acc5_0, acc5_1);
  store(co + 6u * THREADS_M, column, acc6_0, acc6_1);
  store(co + 7u * THREADS_M, column, acc7_0, acc7_1);
}
