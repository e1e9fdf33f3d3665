// The first products of one Newton step, for every matrix still iterating (T formed from M
// as the tiles are staged, never stored):
//   kind 0 (y = 0):  X' = X T        (ASDL: new_mat_root = mat_root @ tmp_mat_m)
//   kind 1 (y = 1):  Q  = T T = T^2  (the first squaring of MatPower(T, p))
// X, M: this step's root and M; X' goes to the other X slot, T^2 to `square`.
@group(0) @binding(0) var<storage, read> descriptors: array<u32>;
@group(0) @binding(1) var<storage, read> tiles: array<u32>;
@group(0) @binding(2) var<storage, read> list: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> xNext: array<f32>;
@group(0) @binding(6) var<storage, read_write> square: array<f32>;

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return tileBlock(row0, col0);
}

fn readA(block: Block, row: u32, col: u32) -> f32 {
  let index = block.offset + row * block.n + col;
  if (block.kind == 0u) { return x[index]; }
  return tOf(m[index], row, col, block.p);
}

fn readB(block: Block, row: u32, col: u32) -> f32 {
  return tOf(m[block.offset + row * block.n + col], row, col, block.p);
}

fn storeRow(block: Block, r: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let row = block.row0 + r;
  if (row >= block.n) { return; }
  for (var j = 0u; j < BN; j++) {
    let col = block.col0 + n0 + j * THREADS_N;
    if (col >= block.n) { return; }
    let index = block.offset + row * block.n + col;
    let value = registerColumn(sums0, sums1, j);
    if (block.kind == 0u) {
      xNext[index] = value;
    } else {
      square[index] = value;
    }
  }
}
