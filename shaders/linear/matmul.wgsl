// c (+)= op(a) @ op(b): c[m, p] = sum_k op(a)[m, k] * op(b)[k, p], with op(a) (M, K), op(b) (K, P)
// and c (M, P), all row-major. TRANS_A: a is stored as (K, M); TRANS_B: b is stored as (P, K).
// Transposes are read through the index arithmetic, never materialised.
//
// HAS_BIAS adds bias[p] to every row: linear's forward, out = inp @ weight^T + bias, so it goes
// with TRANS_B (b is the (OC, C) weight and column p is output feature p). Without it the launcher
// binds a placeholder at binding 3: layout 'auto' keeps the binding, as it is referenced, but it
// is never read.
//
// A GEMM on the shared register tile (common/register-tile.wgsl): A = op(a), B = op(b).
override TRANS_A: bool;
override TRANS_B: bool;
override ACCUMULATE: bool;
override HAS_BIAS: bool;

struct Params { M: u32, K: u32, P: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return Block(0u, params.K, row0, col0);
}

fn prepareBlock(block: Block, li: u32) {}

fn readA(m: u32, k: u32) -> f32 {
  if (m >= params.M || k >= params.K) { return 0.0; }
  if (TRANS_A) { return a[k * params.M + m]; }
  return a[m * params.K + k];
}

fn readB(k: u32, p: u32) -> f32 {
  if (k >= params.K || p >= params.P) { return 0.0; }
  if (TRANS_B) { return b[p * params.K + k]; }
  return b[k * params.P + p];
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
    tileA[k * ROW_A + m] = readA(block.row0 + m, k0 + k);
  }
}

fn loadTileB(block: Block, k0: u32, li: u32) {
  for (var l = li; l < TN * TK; l += THREADS) {
    var k = l / TN;
    var p = l % TN;
    if (TRANS_B) {
      p = l / TK;
      k = l % TK;
    }
    tileB[k * ROW_B + p] = readB(k0 + k, block.col0 + p);
  }
}

fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let row = block.row0 + m;
  if (row >= params.M) { return; }
  for (var j = 0u; j < BN; j++) {
    let col = block.col0 + n0 + j * THREADS_N;
    if (col >= params.P) { return; }
    let index = row * params.P + col;
    var value = registerColumn(sums0, sums1, j);
    if (ACCUMULATE) { value += c[index]; }
    if (HAS_BIAS) { value += bias[col]; }
    c[index] = value;
  }
}
