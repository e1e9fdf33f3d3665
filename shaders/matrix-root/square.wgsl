// One squaring of MatPower(T, p) for every iterating matrix whose p needs it:
//   Q_level = Q_(level-1) Q_(level-1) = T^(2^level)   when level <= log2(p)
// (p is a power of two, so T^p is log2(p) squarings of T, as ASDL's MatPower computes it). The
// list puts the matrices with larger p first, so this level's workgroup count covers just them.
@group(0) @binding(0) var<storage, read> descriptors: array<u32>;
@group(0) @binding(1) var<storage, read> tiles: array<u32>;
@group(0) @binding(2) var<storage, read> list: array<u32>;
@group(0) @binding(3) var<storage, read> previous: array<f32>;
@group(0) @binding(4) var<storage, read_write> next: array<f32>;

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return tileBlock(row0, col0);
}

fn readA(block: Block, row: u32, col: u32) -> f32 {
  return previous[block.offset + row * block.n + col];
}

fn readB(block: Block, row: u32, col: u32) -> f32 {
  return previous[block.offset + row * block.n + col];
}

fn storeRow(block: Block, r: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let row = block.row0 + r;
  if (row >= block.n) { return; }
  for (var j = 0u; j < BN; j++) {
    let col = block.col0 + n0 + j * THREADS_N;
    if (col >= block.n) { return; }
    next[block.offset + row * block.n + col] = registerColumn(sums0, sums1, j);
  }
}
