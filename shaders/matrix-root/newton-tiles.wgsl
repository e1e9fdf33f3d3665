// The tiles of a Newton step's batched matrix products, joined before the shared register tile
// (common/register-tile.wgsl). `tiles` lists (matrix, row0, col0) for every output tile of every
// matrix with n > 1; `list` holds the indices into it of this step's tiles, those of the matrices
// still iterating, written by compact.wgsl, which also writes the workgroup counts this dispatch
// reads (one workgroup per listed tile along x; along y, which product, for the step that
// computes two). Finished matrices therefore cost nothing.
// The products read A and B through readA/readB, which each stage defines, and T from M:
//   T = (1 - α) I + α M,  α = -1/p   (ASDL's tmp_mat_m: (1 + 1/p) I - M / p)

const DESCRIPTOR_WORDS: u32 = 6u;
const TILE_WORDS: u32 = 3u;

struct Block { innerStart: u32, innerEnd: u32, matrix: u32, offset: u32, n: u32, p: u32, row0: u32, col0: u32, kind: u32 }

// row0 = kind * TM and col0 = slot * TN (blockAt's arguments): a slot of the list and which product.
fn tileBlock(row0: u32, col0: u32) -> Block {
  let tile = list[col0 / TN] * TILE_WORDS;
  let matrix = tiles[tile];
  let base = matrix * DESCRIPTOR_WORDS;
  let n = descriptors[base + 1u];
  return Block(0u, n, matrix, descriptors[base], n, descriptors[base + 2u], tiles[tile + 1u], tiles[tile + 2u], row0 / TM);
}

fn prepareBlock(block: Block, li: u32) {}

fn tOf(value: f32, row: u32, col: u32, p: u32) -> f32 {
  let alpha = -1.0 / f32(p);
  return select(0.0, 1.0 - alpha, row == col) + alpha * value;
}

// tileA[k * ROW_A + r] = A[row0 + r, k0 + k], 0 outside the matrix.
fn loadTileA(block: Block, k0: u32, li: u32) {
  for (var l = li; l < TM * TK; l += THREADS) {
    let r = l / TK;
    let k = l % TK;
    let row = block.row0 + r;
    let col = k0 + k;
    var value = 0.0;
    if (row < block.n && col < block.n) { value = readA(block, row, col); }
    tileA[k * ROW_A + r] = value;
  }
}

// tileB[k * ROW_B + c] = B[k0 + k, col0 + c], 0 outside the matrix.
fn loadTileB(block: Block, k0: u32, li: u32) {
  for (var l = li; l < TN * TK; l += THREADS) {
    let k = l / TN;
    let c = l % TN;
    let row = k0 + k;
    let col = block.col0 + c;
    var value = 0.0;
    if (row < block.n && col < block.n) { value = readB(block, row, col); }
    tileB[k * ROW_B + c] = value;
  }
}
