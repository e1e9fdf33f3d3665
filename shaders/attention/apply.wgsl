// c[b, r, h*D + d] (+)= scale * sum_t op(w)[b, h, r, t] * x[b, t, h*D + d], causal, with w
// (B, H, T, T) and x, c (B, T, C):
//   without TRANSPOSE: op(w)[r, t] = w[r, t] over t <= r   (out = P v; dQ = dS k / sqrt(D))
//   with TRANSPOSE:    op(w)[r, t] = w[t, r] over t >= r   (dV = P^T dOut; dK = dS^T q / sqrt(D))
// Entries of w outside that range are never read, so they need not be 0.
//
// Per (b, h) = workgroup_id.z, a (T, T) @ (T, D) product on the shared register tile
// (common/register-tile.wgsl), A = op(w), B[t, d] = x[b, t, h*D + d], whose blocks (rows r,
// features d) walk only the t that the causal range of their rows reaches. One invocation
// writes each element of c.
override TRANSPOSE: bool;
override ACCUMULATE: bool;

struct Params { T: u32, C: u32, D: u32, H: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// weights: where the (T, T) w of (b, h) starts; head: where head h of sequence b starts in x and c.
struct Block { innerStart: u32, innerEnd: u32, row0: u32, col0: u32, weights: u32, head: u32 }

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  let T = params.T;
  let weights = layer * T * T;
  let head = (layer / params.H) * T * params.C + (layer % params.H) * params.D;
  // Rows row0..row0+TM-1 reach t <= row0+TM-1 (w) or t >= row0 (w^T).
  if (TRANSPOSE) { return Block(row0, T, row0, col0, weights, head); }
  return Block(0u, min(T, row0 + TM), row0, col0, weights, head);
}

fn prepareBlock(block: Block, li: u32) {}

fn readW(block: Block, r: u32, t: u32) -> f32 {
  let T = params.T;
  if (r >= T || t >= T) { return 0.0; }
  if (TRANSPOSE) {
    if (t < r) { return 0.0; }
    return w[block.weights + t * T + r];
  }
  if (t > r) { return 0.0; }
  return w[block.weights + r * T + t];
}

// Consecutive invocations read consecutive words of w: along t for w, along r for w^T.
fn loadTileA(block: Block, t0: u32, li: u32) {
  for (var l = li; l < TM * TK; l += THREADS) {
    var r = l / TK;
    var t = l % TK;
    if (TRANSPOSE) {
      r = l % TM;
      t = l / TM;
    }
    tileA[t * ROW_A + r] = readW(block, block.row0 + r, t0 + t);
  }
}

// Consecutive invocations read consecutive features of one position.
fn loadTileB(block: Block, t0: u32, li: u32) {
  for (var l = li; l < TN * TK; l += THREADS) {
    let t = t0 + l / TN;
    let d = block.col0 + l % TN;
    var value = 0.0;
    if (t < params.T && d < params.D) { value = x[block.head + t * params.C + d]; }
    tileB[(l / TN) * ROW_B + l % TN] = value;
  }
}

// Writes row r at the features inside c.
fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let r = block.row0 + m;
  if (r >= params.T) { return; }
  for (var j = 0u; j < BN; j++) {
    let d = block.col0 + n0 + j * THREADS_N;
    if (d >= params.D) { return; }
    let index = block.head + r * params.C + d;
    var value = registerColumn(sums0, sums1, j) * params.scale;
    if (ACCUMULATE) { value += c[index]; }
    c[index] = value;
  }
}
