// out[i, j] = scale * sum_p P[p, i] * P[p, j] (+ out[i, j] with ACCUMULATE): the full Kronecker
// factor, d x d row-major with d = C*K*K, over the zero-padded im2col patches P of x (B, C, H, W):
// rows p = (b, oy, ox), columns i = (c, ky, kx), P[p, i] = x[b, c, oy*stride - pad + ky, ox*stride - pad + kx]
// and 0 outside the image. A Linear input (N, in) is (N, in, 1, 1) with K = 1; any (pre, d, post)
// tensor is (pre, d, post, 1), whose rows are the (pre, post) pairs.
//
// A GEMM on the shared register tile (common/register-tile.wgsl) with A = P^T and B = P, both
// gathered from x while a slice is staged (no im2col matrix exists). The output is symmetric,
// so tiles are square (TM = TN) and only those on or above the diagonal run: workgroup_id.x
// numbers them row by row, and an off-diagonal tile also writes its transpose. On a diagonal
// tile (i, j) and (j, i) are summed in the same order, so the output is exactly symmetric.
//
// Long row counts are split over workgroup_id.z in chunks of `chunkRows` (a multiple of TK).
// With PARTIAL each chunk writes its raw sums, both triangles, into out[chunk * d * d + ...]
// and gram/reduce.wgsl adds the chunks in a fixed order; without it there is one chunk and the
// tile writes scale * sum (+ out) itself.
override ACCUMULATE: bool;
override PARTIAL: bool;

struct Params {
  batch: u32,
  cin: u32,
  h: u32,
  w: u32,
  k: u32,
  stride: u32,
  pad: u32,
  hout: u32,
  wout: u32,
  columns: u32,
  rows: u32,
  chunkRows: u32,
  tilesPerSide: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// Each tile column's (c, ky, kx), decomposed once per block: the tap's position in the window and
// its offset in x from the window's top-left corner. A holds the block's rows, B its columns.
var<workgroup> tapYA: array<i32, TM>;
var<workgroup> tapXA: array<i32, TM>;
var<workgroup> tapOffsetA: array<i32, TM>;
var<workgroup> tapYB: array<i32, TN>;
var<workgroup> tapXB: array<i32, TN>;
var<workgroup> tapOffsetB: array<i32, TN>;

struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32, chunk: u32 }

// Tile t (= col0 / TN, the workgroup's x) of the upper triangle, numbered row by row.
fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  var rest = col0 / TN;
  var tileRow = 0u;
  while (rest >= params.tilesPerSide - tileRow) {
    rest -= params.tilesPerSide - tileRow;
    tileRow++;
  }
  let start = layer * params.chunkRows;
  return Block(start, min(params.rows, start + params.chunkRows), tileRow * TM, (tileRow + rest) * TN, layer);
}

fn tapY(column: u32) -> i32 {
  // A column past the end gets a tap no window can bring into the image.
  let tap = column % (params.k * params.k);
  return select(i32(params.h + params.pad), i32(tap / params.k), column < params.columns);
}

fn tapX(column: u32) -> i32 {
  return i32(column % params.k);
}

fn tapOffset(column: u32) -> i32 {
  let kk = params.k * params.k;
  let tap = column % kk;
  return i32((column / kk) * params.h * params.w + (tap / params.k) * params.w + tap % params.k);
}

fn prepareBlock(block: Block, li: u32) {
  for (var m = li; m < TM; m += THREADS) {
    tapYA[m] = tapY(block.row0 + m);
    tapXA[m] = tapX(block.row0 + m);
    tapOffsetA[m] = tapOffset(block.row0 + m);
  }
  for (var n = li; n < TN; n += THREADS) {
    tapYB[n] = tapY(block.col0 + n);
    tapXB[n] = tapX(block.col0 + n);
    tapOffsetB[n] = tapOffset(block.col0 + n);
  }
}

// Where row p's window starts: (its top-left corner's offset in x, y, x), and whether p is in the chunk.
struct Window { offset: i32, y: i32, x: i32, inRange: bool }

fn windowOf(block: Block, p: u32) -> Window {
  let plane = params.hout * params.wout;
  let b = p / plane;
  let pix = p % plane;
  let y = i32((pix / params.wout) * params.stride) - i32(params.pad);
  let x = i32((pix % params.wout) * params.stride) - i32(params.pad);
  return Window(i32(b * params.cin * params.h * params.w) + y * i32(params.w) + x, y, x, p < block.innerEnd);
}

fn patchValue(window: Window, tapY: i32, tapX: i32, tapOffset: i32) -> f32 {
  // Unsigned comparisons also reject negative positions (the zero padding).
  let iy = u32(window.y + tapY);
  let ix = u32(window.x + tapX);
  if (window.inRange && iy < params.h && ix < params.w) { return x[u32(window.offset + tapOffset)]; }
  return 0.0;
}

// Staging runs along p, contiguous in x at stride 1 for a convolution.
fn loadTileA(block: Block, p0: u32, li: u32) {
  let pLoad = li % TK;
  let window = windowOf(block, p0 + pLoad);
  for (var m = li / TK; m < TM; m += THREADS / TK) {
    tileA[pLoad * ROW_A + m] = patchValue(window, tapYA[m], tapXA[m], tapOffsetA[m]);
  }
}

fn loadTileB(block: Block, p0: u32, li: u32) {
  let pLoad = li % TK;
  let window = windowOf(block, p0 + pLoad);
  for (var n = li / TK; n < TN; n += THREADS / TK) {
    tileB[pLoad * ROW_B + n] = patchValue(window, tapYB[n], tapXB[n], tapOffsetB[n]);
  }
}

fn store(index: u32, sum: f32) {
  if (PARTIAL) {
    out[index] = sum;
    return;
  }
  var value = params.scale * sum;
  if (ACCUMULATE) { value += out[index]; }
  out[index] = value;
}

fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let d = params.columns;
  let row = block.row0 + m;
  if (row >= d) { return; }
  let base = block.chunk * d * d;
  for (var j = 0u; j < BN; j++) {
    let col = block.col0 + n0 + j * THREADS_N;
    if (col >= d) { return; }
    let sum = registerColumn(sums0, sums1, j);
    store(base + row * d + col, sum);
    if (block.row0 != block.col0) { store(base + col * d + row, sum); }
  }
}
