// dInp[b, ci, y, x] (+)= sum_{co, ky, kx} weight[co, ci, ky, kx] * dOut[b, co, oy, ox]
//   with oy = (y + pad - ky) / stride and ox = (x + pad - kx) / stride, over the taps where both
//   divisions are exact and (oy, ox) lies inside the output.
//
// Only taps ky = (y + pad) mod stride, + stride, ... divide exactly, so the pixels are split into
// stride * stride phases (py, px) = (y mod stride, x mod stride), one per workgroup layer z, and
// each phase is an implicit GEMM on the shared register tile (common/register-tile.wgsl) without
// the taps that would contribute 0:
//   dInp_phase (Cin, B*Hp*Wp) = Wt (Cin, Cout*Ty*Tx) @ G (Cout*Ty*Tx, B*Hp*Wp)
// over pixels y = y' * stride + py (y' < Hp, likewise x) and taps ky = ky0 + jy * stride (jy < Ty),
// ky0 = (py + pad) mod stride. Then y + pad - ky = stride * (y' + cy - jy) with
// cy = (py + pad) / stride, so G[(co, jy, jx), (b, y', x')] = dOut[b, co, y' + cy - jy, x' + cx - jx]
// (0 outside the output) needs no division. G is never materialised: each element is gathered
// from dOut while a slice is staged. Each input element belongs to one phase and one block, so
// one invocation writes it.

override ACCUMULATE: bool;

struct Params { batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> dInp: array<f32>;

// The block's pixels, decomposed once instead of in every slice: the output position its first
// tap (jy = jx = 0) reads and that position's offset in dOut, and the pixel's offset in dInp.
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

// The inner index runs over (co, jy, jx): Cout * taps of them, taps = Ty * Tx.
struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32, py: u32, px: u32, phaseY: Phase, phaseX: Phase, taps: u32, columns: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  let py = layer / params.stride;
  let px = layer % params.stride;
  let phaseY = phaseOf(py, params.h);
  let phaseX = phaseOf(px, params.w);
  let taps = phaseY.taps * phaseX.taps;
  let columns = params.batch * phaseY.pixels * phaseX.pixels;
  return Block(0u, params.cout * taps, row0, col0, py, px, phaseY, phaseX, taps, columns);
}

fn prepareBlock(block: Block, li: u32) {
  let phasePlane = block.phaseY.pixels * block.phaseX.pixels;
  for (var n = li; n < TN; n += THREADS) {
    let column = block.col0 + n;
    let b = column / phasePlane;
    let pix = column % phasePlane;
    let y = pix / block.phaseX.pixels;
    let x = pix % block.phaseX.pixels;
    let oy = i32(y + block.phaseY.c);
    let ox = i32(x + block.phaseX.c);
    // A column past the end reads above the output for every tap.
    sourceY[n] = select(-1, oy, column < block.columns);
    sourceX[n] = ox;
    sourceOffset[n] = i32(b * params.cout * params.hout * params.wout) + oy * i32(params.wout) + ox;
    inpOffset[n] = (b * params.cin * params.h + y * params.stride + block.py) * params.w + x * params.stride + block.px;
  }
}

// Staging runs along the taps: consecutive invocations read neighbouring dOut positions.
fn loadTileA(block: Block, r0: u32, li: u32) {
  let rLoad = li % TK;
  let r = r0 + rLoad;
  let co = r / block.taps;
  let tap = r % block.taps;
  let jy = tap / block.phaseX.taps;
  let jx = tap % block.phaseX.taps;
  let weightOffset = ((co * params.cin * params.k) + block.phaseY.tap0 + jy * params.stride) * params.k + block.phaseX.tap0 + jx * params.stride;
  let kk = params.k * params.k;
  for (var m = li / TK; m < TM; m += THREADS / TK) {
    let ci = block.row0 + m;
    var value = 0.0;
    if (r < block.innerEnd && ci < params.cin) { value = weight[weightOffset + ci * kk]; }
    tileA[rLoad * ROW_A + m] = value;
  }
}

fn loadTileB(block: Block, r0: u32, li: u32) {
  let rLoad = li % TK;
  let r = r0 + rLoad;
  let co = r / block.taps;
  let tap = r % block.taps;
  // Past the end of r, a tap that reads above row 0 of the output for every pixel (sourceY is
  // at most (h - 1 + pad) / stride).
  let dy = select(i32(params.h + params.pad + 1u), i32(tap / block.phaseX.taps), r < block.innerEnd);
  let dx = i32(tap % block.phaseX.taps);
  let tapOffset = i32(co * params.hout * params.wout) - dy * i32(params.wout) - dx;
  for (var n = li / TK; n < TN; n += THREADS / TK) {
    // Unsigned comparisons also reject negative positions.
    let oy = u32(sourceY[n] - dy);
    let ox = u32(sourceX[n] - dx);
    var value = 0.0;
    if (oy < params.hout && ox < params.wout) { value = dOut[u32(sourceOffset[n] + tapOffset)]; }
    tileB[rLoad * ROW_B + n] = value;
  }
}

fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let ci = block.row0 + m;
  if (ci >= params.cin) { return; }
  // Columns at or past `valid` lie beyond the phase's last pixel.
  let valid = min(TN, block.columns - min(block.columns, block.col0));
  for (var j = 0u; j < BN; j++) {
    let n = n0 + j * THREADS_N;
    if (n >= valid) { return; }
    let index = inpOffset[n] + ci * params.h * params.w;
    var grad = registerColumn(sums0, sums1, j);
    if (ACCUMULATE) { grad += dInp[index]; }
    dInp[index] = grad;
  }
}
