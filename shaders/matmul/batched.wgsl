// c[b] = alpha * op(a[b]) @ op(b[b]) + beta * c[b] for b < batch, each product
// c[b][i, j] = sum_k op(a[b])[i, k] * op(b[b])[k, j] with op(a[b]) (M, K), op(b[b]) (K, N) and
// c[b] (M, N), all row-major. Matrix b of each operand starts stride * b elements into its
// binding (stride 0 repeats one matrix). TRANS_A: a[b] is stored (K, M); TRANS_B: b[b] is stored
// (N, K); transposes are read through the index arithmetic, never materialised. Without READ_C
// (beta = 0) c is only written, so whatever it held (even NaN) does not leak in.
//
// A GEMM on the shared register tile (common/register-tile.wgsl), one batch entry per
// workgroup_id.z.
override TRANS_A: bool;
override TRANS_B: bool;
override READ_C: bool;

struct Params { M: u32, N: u32, K: u32, strideA: u32, strideB: u32, strideC: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32, aBase: u32, bBase: u32, cBase: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return Block(0u, params.K, row0, col0, layer * params.strideA, layer * params.strideB, layer * params.strideC);
}

fn prepareBlock(block: Block, li: u32) {}

fn readA(block: Block, m: u32, k: u32) -> f32 {
  if (m >= params.M || k >= params.K) { return 0.0; }
  if (TRANS_A) { return a[block.aBase + k * params.M + m]; }
  return a[block.aBase + m * params.K + k];
}

fn readB(block: Block, k: u32, n: u32) -> f32 {
  if (k >= params.K || n >= params.N) { return 0.0; }
  if (TRANS_B) { return b[block.bBase + n * params.K + k]; }
  return b[block.bBase + k * params.N + n];
}

// Consecutive invocations load consecutive addresses of whichever dimension is contiguous.
fn loadTileA(block: Block, k0: u32, li: u32) {
  for (var l = li; l < TM * TK; l += THREADS) {
    var m = l / TK;
    var k = l % TK;
    if (TRANS_A) {
      m = l % TM;
      k = l / TM;
    }
    tileA[k * ROW_A + m] = readA(block, block.row0 + m, k0 + k);
  }
}

fn loadTileB(block: Block, k0: u32, li: u32) {
  for (var l = li; l < TN * TK; l += THREADS) {
    var k = l / TN;
    var n = l % TN;
    if (TRANS_B) {
      n = l / TK;
      k = l % TK;
    }
    tileB[k * ROW_B + n] = readB(block, k0 + k, block.col0 + n);
  }
}

fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let row = block.row0 + m;
  if (row >= params.M) { return; }
  for (var j = 0u; j < BN; j++) {
    let col = block.col0 + n0 + j * THREADS_N;
    if (col >= params.N) { return; }
    let index = block.cBase + row * params.N + col;
    var value = params.alpha * registerColumn(sums0, sums1, j);
    if (READ_C) { value += params.beta * c[index]; }
    c[index] = value;
  }
}
