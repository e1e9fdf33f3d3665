// dInp[b, ci, y, x] (+)= sum_{co, ky, kx} weight[co, ci, ky, kx] * dOut[b, co, oy, ox]
//   with oy = (y + pad - ky) / stride and ox = (x + pad - kx) / stride, over the taps where both
//   divisions are exact and (oy, ox) lies inside the output.
//
// Only taps ky = (y + pad) mod stride, + stride, ... divide exactly, so the pixels are split into
// stride * stride phases (py, px) = (y mod stride, x mod stride), one per workgroup layer z, and
// each phase is an implicit GEMM without the taps that would contribute 0:
//   dInp_phase (Cin, B*Hp*Wp) = Wt (Cin, Cout*Ty*Tx) @ G (Cout*Ty*Tx, B*Hp*Wp)
// over pixels y = y' * stride + py (y' < Hp, likewise x) and taps ky = ky0 + jy * stride (jy < Ty),
// ky0 = (py + pad) mod stride. Then y + pad - ky = stride * (y' + cy - jy) with
// cy = (py + pad) / stride, so G[(co, jy, jx), (b, y', x')] = dOut[b, co, y' + cy - jy, x' + cx - jx]
// (0 outside the output) needs no division. G is never materialised: each element is gathered
// from dOut while a slice is staged.
//
// A workgroup owns a TM x TN block of its phase's dInp and walks the taps in slices of TK staged
// in workgroup memory. Each invocation accumulates a BM x BN register block whose rows and
// columns are strided by THREADS_M and THREADS_N, so neighbouring invocations read neighbouring
// words. Each input element belongs to one phase and one block, so one invocation writes it.
//
// The register block is spelled out (acc0_0..acc7_1, not an array indexed in a loop): SwiftShader,
// which CI runs, does not unroll the loops and keeps such an array in memory; spelled out it
// measured twice as fast. 8 x 8 reads 16 workgroup-memory words per 64 multiply-adds where
// 4 x 4 reads 8 per 16, another factor of about 1.6 there.
const BM: u32 = 8;
const BN: u32 = 8;
const TK: u32 = 16;

// TM * TN a multiple of BM * BN * TK (the launcher picks them), so THREADS is a multiple of TK
// and every invocation stages one fixed tap offset of each slice.
override TM: u32 = 32;
override TN: u32 = 32;
override ACCUMULATE: bool = false;
override THREADS_M: u32 = TM / BM;
override THREADS_N: u32 = TN / BN;
override THREADS: u32 = THREADS_M * THREADS_N;
// Tile rows padded by one word: the staging writes run down a column, which would otherwise
// hit a single memory bank on a GPU.
override ROW_A: u32 = TM + 1;
override ROW_G: u32 = TN + 1;

struct Params { batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> dInp: array<f32>;

// Both tiles are stored tap-major: tileA[r * ROW_A + ci], tileG[r * ROW_G + column].
var<workgroup> tileA: array<f32, TK * ROW_A>;
var<workgroup> tileG: array<f32, TK * ROW_G>;
// The workgroup's pixels, decomposed once instead of in every slice: the output position its
// first tap (jy = jx = 0) reads and that position's offset in dOut, and the pixel's offset in dInp.
var<workgroup> sourceY: array<i32, TN>;
var<workgroup> sourceX: array<i32, TN>;
var<workgroup> sourceOffset: array<i32, TN>;
var<workgroup> inpOffset: array<u32, TN>;

// One dimension of a phase: the pixels p' * stride + phase below `size`, the first tap, the
// number of taps, and the output offset c (output index = p' + c - j for tap j).
struct Phase { pixels: u32, tap0: u32, taps: u32, c: u32 }

fn phaseOf(phase: u32, size: u32) -> Phase {
  let s = params.stride;
  let shifted = phase + params.pad;
  let tap0 = shifted % s;
  return Phase(
    select(0u, (size - phase + s - 1u) / s, size > phase),
    tap0,
    select(0u, (params.k - tap0 + s - 1u) / s, params.k > tap0),
    shifted / s,
  );
}

// Writes one register-block row: dInp at channel ci and the tile's columns n0 + j * THREADS_N.
fn store(ci: u32, n0: u32, valid: u32, grads0: vec4f, grads1: vec4f) {
  if (ci >= params.cin) { return; }
  for (var j = 0u; j < BN; j++) {
    let n = n0 + j * THREADS_N;
    if (n >= valid) { return; }
    let index = inpOffset[n] + ci * params.h * params.w;
    var grad = select(grads1[j % 4u], grads0[j % 4u], j < 4u);
    if (ACCUMULATE) { grad += dInp[index]; }
    dInp[index] = grad;
  }
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let py = wid.z / params.stride;
  let px = wid.z % params.stride;
  let phaseY = phaseOf(py, params.h);
  let phaseX = phaseOf(px, params.w);
  let taps = phaseY.taps * phaseX.taps;
  let inner = params.cout * taps;
  let phasePlane = phaseY.pixels * phaseX.pixels;
  let columns = params.batch * phasePlane;
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let kk = params.k * params.k;
  let ow = i32(params.wout);

  for (var n = li; n < TN; n += THREADS) {
    let column = col0 + n;
    let b = column / phasePlane;
    let pix = column % phasePlane;
    let y = pix / phaseX.pixels;
    let x = pix % phaseX.pixels;
    let oy = i32(y + phaseY.c);
    let ox = i32(x + phaseX.c);
    // A column past the end reads above the output for every tap.
    sourceY[n] = select(-1, oy, column < columns);
    sourceX[n] = ox;
    sourceOffset[n] = i32(b * params.cout * params.hout * params.wout) + oy * ow + ox;
    inpOffset[n] = (b * params.cin * params.h + y * params.stride + py) * params.w + x * params.stride + px;
  }
  workgroupBarrier();

  // Staging runs along the taps: consecutive invocations read neighbouring dOut positions.
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
    let co = r / taps;
    let tap = r % taps;
    let jy = tap / phaseX.taps;
    let jx = tap % phaseX.taps;
    let weightOffset = ((co * params.cin * params.k) + phaseY.tap0 + jy * params.stride) * params.k + phaseX.tap0 + jx * params.stride;
    // Past the end of r, a tap that reads above row 0 of the output for every pixel (sourceY is
    // at most (h - 1 + pad) / stride).
    let dy = select(i32(params.h + params.pad + 1u), i32(jy), inRange);
    let dx = i32(jx);
    let tapOffset = i32(co * params.hout * params.wout) - dy * ow - dx;
    for (var m = firstLoad; m < TM; m += THREADS / TK) {
      let ci = row0 + m;
      var value = 0.0;
      if (inRange && ci < params.cin) { value = weight[weightOffset + ci * kk]; }
      tileA[rLoad * ROW_A + m] = value;
    }
    for (var n = firstLoad; n < TN; n += THREADS / TK) {
      // Unsigned comparisons also reject negative positions.
      let oy = u32(sourceY[n] - dy);
      let ox = u32(sourceX[n] - dx);
      var value = 0.0;
      if (oy < params.hout && ox < params.wout) { value = dOut[u32(sourceOffset[n] + tapOffset)]; }
      tileG[rLoad * ROW_G + n] = value;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let gb = k * ROW_G + lid.x;
      let v0 = vec4f(tileG[gb], tileG[gb + THREADS_N], tileG[gb + 2u * THREADS_N], tileG[gb + 3u * THREADS_N]);
      let v1 = vec4f(tileG[gb + 4u * THREADS_N], tileG[gb + 5u * THREADS_N], tileG[gb + 6u * THREADS_N], tileG[gb + 7u * THREADS_N]);
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

  let ci = row0 + lid.y;
  // Columns at or past `valid` lie beyond the phase's last pixel.
  let valid = min(TN, columns - min(columns, col0));
  store(ci, lid.x, valid, acc0_0, acc0_1);
  store(ci + THREADS_M, lid.x, valid, acc1_0, acc1_1);
  store(ci + 2u * THREADS_M, lid.x, valid, acc2_0, acc2_1);
  store(ci + 3u * THREADS_M, lid.x, valid, acc3_0, acc3_1);
  store(ci + 4u * THREADS_M, lid.x, valid, acc4_0, acc4_1);
  store(ci + 5u * THREADS_M, lid.x, valid, acc5_0, acc5_1);
  store(ci + 6u * THREADS_M, lid.x, valid, acc6_0, acc6_1);
  store(ci + 7u * THREADS_M, lid.x, valid, acc7_0, acc7_1);
}
