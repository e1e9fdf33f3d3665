// dWeight[co, ci, ky, kx] (+)= sum_{b, oy, ox} dOut[b, co, oy, ox] * inp[b, ci, oy * stride - pad + ky, ox * stride - pad + kx],
// where input positions outside the image are zero.
//
// An implicit GEMM on the shared register tile (common/register-tile.wgsl), dWeight
// (Cout, Cin*K*K) = A @ P, over the inner index p = (b, oy, ox) of length B*Hout*Wout:
// A[co, p] = dOut[b, co, oy, ox] and B = P[p, (ci, ky, kx)] is the input patch. P is never
// materialised: each element is gathered from inp while a slice is staged. The whole sum over p
// stays in one workgroup: each weight element is written by one invocation.

override ACCUMULATE: bool;

struct Params { batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read_write> dWeight: array<f32>;

// The block's columns (ci, ky, kx), decomposed once instead of in every slice: the tap's
// position in the window and its offset in inp from the window's top-left corner.
var<workgroup> tapY: array<i32, TN>;
var<workgroup> tapX: array<i32, TN>;
var<workgroup> tapOffset: array<i32, TN>;

struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return Block(0u, params.batch * params.hout * params.wout, row0, col0);
}

fn prepareBlock(block: Block, li: u32) {
  let kk = params.k * params.k;
  for (var n = li; n < TN; n += THREADS) {
    let column = block.col0 + n;
    let tap = column % kk;
    let ky = i32(tap / params.k);
    let kx = i32(tap % params.k);
    // A column past the end gets a tap no window can bring into the image.
    tapY[n] = select(i32(params.h + params.pad), ky, column < params.cin * kk);
    tapX[n] = kx;
    tapOffset[n] = i32((column / kk) * params.h * params.w) + ky * i32(params.w) + kx;
  }
}

// Staging runs along p, contiguous in dOut and (at stride 1) in inp.
fn loadTileA(block: Block, p0: u32, li: u32) {
  let pLoad = li % TK;
  let p = p0 + pLoad;
  let plane = params.hout * params.wout;
  let b = p / plane;
  let dOutOffset = b * params.cout * plane + p % plane;
  for (var m = li / TK; m < TM; m += THREADS / TK) {
    let co = block.row0 + m;
    var value = 0.0;
    if (p < block.innerEnd && co < params.cout) { value = dOut[dOutOffset + co * plane]; }
    tileA[pLoad * ROW_A + m] = value;
  }
}

fn loadTileB(block: Block, p0: u32, li: u32) {
  let pLoad = li % TK;
  let p = p0 + pLoad;
  let inRange = p < block.innerEnd;
  let plane = params.hout * params.wout;
  let b = p / plane;
  let pix = p % plane;
  let windowY = i32((pix / params.wout) * params.stride) - i32(params.pad);
  let windowX = i32((pix % params.wout) * params.stride) - i32(params.pad);
  let windowOffset = i32(b * params.cin * params.h * params.w) + windowY * i32(params.w) + windowX;
  for (var n = li / TK; n < TN; n += THREADS / TK) {
    // Unsigned comparisons also reject negative positions (the zero padding).
    let iy = u32(windowY + tapY[n]);
    let ix = u32(windowX + tapX[n]);
    var value = 0.0;
    if (inRange && iy < params.h && ix < params.w) { value = inp[u32(windowOffset + tapOffset[n])]; }
    tileB[pLoad * ROW_B + n] = value;
  }
}

fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let co = block.row0 + m;
  let columns = params.cin * params.k * params.k;
  if (co >= params.cout) { return; }
  for (var j = 0u; j < BN; j++) {
    let column = block.col0 + n0 + j * THREADS_N;
    if (column >= columns) { return; }
    let index = co * columns + column;
    var grad = registerColumn(sums0, sums1, j);
    if (ACCUMULATE) { grad += dWeight[index]; }
    dWeight[index] = grad;
  }
}
