// out[b, co, oy, ox] = bias[co] (with HAS_BIAS)
//   + sum_{ci, ky, kx} weight[co, ci, ky, kx] * inp[b, ci, oy * stride - pad + ky, ox * stride - pad + kx],
// where input positions outside the image are zero (zero padding).
//
// An implicit GEMM on the shared register tile (common/register-tile.wgsl), out (Cout, B*Hout*Wout)
// = Wt @ P, over the inner index r = (ci, ky, kx) of length Cin*K*K: A = Wt[co, r] is the weight
// as stored and B = P[r, (b, oy, ox)] is the input patch. P is never materialised: each element
// is gathered from inp while a slice is staged.

// Without bias the launcher binds a placeholder at binding 3: layout 'auto' keeps the binding,
// as it is referenced, but it is never read.
override HAS_BIAS: bool;

struct Params { batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// The block's output pixels, decomposed once instead of in every slice: the top-left input
// position of the window (row, column) and its offset in inp, and the pixel's offset in out.
var<workgroup> windowY: array<i32, TN>;
var<workgroup> windowX: array<i32, TN>;
var<workgroup> windowOffset: array<i32, TN>;
var<workgroup> outOffset: array<u32, TN>;

struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return Block(0u, params.cin * params.k * params.k, row0, col0);
}

fn prepareBlock(block: Block, li: u32) {
  let plane = params.hout * params.wout;
  for (var n = li; n < TN; n += THREADS) {
    let column = block.col0 + n;
    let b = column / plane;
    let pix = column % plane;
    let y = i32((pix / params.wout) * params.stride) - i32(params.pad);
    let x = i32((pix % params.wout) * params.stride) - i32(params.pad);
    // A column past the end gets a window no tap can bring into the image.
    windowY[n] = select(-i32(params.k), y, column < params.batch * plane);
    windowX[n] = x;
    windowOffset[n] = i32(b * params.cin * params.h * params.w) + y * i32(params.w) + x;
    outOffset[n] = b * params.cout * plane + pix;
  }
}

// Staging runs along r: consecutive invocations read consecutive weights and neighbouring taps.
fn loadTileA(block: Block, r0: u32, li: u32) {
  let rLoad = li % TK;
  let r = r0 + rLoad;
  let inner = block.innerEnd;
  for (var m = li / TK; m < TM; m += THREADS / TK) {
    let co = block.row0 + m;
    var value = 0.0;
    if (r < inner && co < params.cout) { value = weight[co * inner + r]; }
    tileA[rLoad * ROW_A + m] = value;
  }
}

fn loadTileB(block: Block, r0: u32, li: u32) {
  let rLoad = li % TK;
  let r = r0 + rLoad;
  let kk = params.k * params.k;
  let tap = r % kk;
  // Past the end of r, a tap offset no window can bring into the image.
  let ky = select(i32(params.h + params.pad + params.k), i32(tap / params.k), r < block.innerEnd);
  let kx = i32(tap % params.k);
  let tapOffset = i32((r / kk) * params.h * params.w) + ky * i32(params.w) + kx;
  for (var n = li / TK; n < TN; n += THREADS / TK) {
    // Unsigned comparisons also reject negative positions (the zero padding).
    let iy = u32(windowY[n] + ky);
    let ix = u32(windowX[n] + kx);
    var value = 0.0;
    if (iy < params.h && ix < params.w) { value = inp[u32(windowOffset[n] + tapOffset)]; }
    tileB[rLoad * ROW_B + n] = value;
  }
}

fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let co = block.row0 + m;
  if (co >= params.cout) { return; }
  let plane = params.hout * params.wout;
  var offset = 0.0;
  if (HAS_BIAS) { offset = bias[co]; }
  for (var j = 0u; j < BN; j++) {
    let n = n0 + j * THREADS_N;
    if (block.col0 + n >= params.batch * plane) { return; }
    out[outOffset[n] + co * plane] = registerColumn(sums0, sums1, j) + offset;
  }
}
