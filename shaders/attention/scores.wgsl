// s[b, h, i, j] = scale * sum_d x[b, i, h*D + d] * y[b, j, h*D + d]   for j <= i only,
// with x, y (B, T, C) and s (B, H, T, T): the causal scores q k^T / sqrt(D) of the forward, and
// dP = dOut v^T (scale 1) of the backward. Entries j > i are not written; the row kernel that
// follows (attention softmax or softmax-backward) sets every one of them to 0.
//
// Per (b, h) = workgroup_id.z, a (T, D) @ (D, T) product on the shared register tile
// (common/register-tile.wgsl): A[i, d] = x[b, i, h*D + d], B[d, j] = y[b, j, h*D + d]. Blocks
// wholly above the diagonal have nothing to compute and run no slice.

struct Params { T: u32, C: u32, D: u32, H: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;

// head: where head h of sequence b starts in x and y; scores: where its (T, T) scores start in s.
struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32, head: u32, scores: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  let T = params.T;
  let aboveDiagonal = col0 > row0 + TM - 1u;
  let head = (layer / params.H) * T * params.C + (layer % params.H) * params.D;
  return Block(0u, select(params.D, 0u, aboveDiagonal), row0, col0, head, layer * T * T);
}

fn prepareBlock(block: Block, li: u32) {}

// Both tiles read along d: consecutive invocations read consecutive features of one position.
fn loadTileA(block: Block, d0: u32, li: u32) {
  for (var l = li; l < TM * TK; l += THREADS) {
    let i = block.row0 + l / TK;
    let d = d0 + l % TK;
    var value = 0.0;
    if (i < params.T && d < params.D) { value = x[block.head + i * params.C + d]; }
    tileA[(l % TK) * ROW_A + l / TK] = value;
  }
}

fn loadTileB(block: Block, d0: u32, li: u32) {
  for (var l = li; l < TN * TK; l += THREADS) {
    let j = block.col0 + l / TK;
    let d = d0 + l % TK;
    var value = 0.0;
    if (j < params.T && d < params.D) { value = y[block.head + j * params.C + d]; }
    tileB[(l % TK) * ROW_B + l / TK] = value;
  }
}

// Writes row i at the columns that are causal (j <= i, hence also inside s).
fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let i = block.row0 + m;
  if (i >= params.T) { return; }
  for (var c = 0u; c < BN; c++) {
    let j = block.col0 + n0 + c * THREADS_N;
    if (j > i) { return; }
    s[block.scores + i * params.T + j] = registerColumn(sums0, sums1, c) * params.scale;
  }
}
