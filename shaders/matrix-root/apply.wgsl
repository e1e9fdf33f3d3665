// The last product of one Newton step, for every matrix still iterating:
//   M' = T^p M      (ASDL: mat_m = MatPower(tmp_mat_m, p) @ mat_m)
//   errors[matrix] = max |M' - I|, as the bit pattern of a non-negative float (atomicMax on
//   such patterns orders them like the values, and a NaN lands above +inf, so max is NaN as in
//   torch.max). compact.wgsl reads and clears it.
// T^(2^j) sits in `oddSquares` for odd j and in `evenSquares` for even j (the squarings alternate).
@group(0) @binding(0) var<storage, read> descriptors: array<u32>;
@group(0) @binding(1) var<storage, read> tiles: array<u32>;
@group(0) @binding(2) var<storage, read> list: array<u32>;
@group(0) @binding(3) var<storage, read> oddSquares: array<f32>;
@group(0) @binding(4) var<storage, read> evenSquares: array<f32>;
@group(0) @binding(5) var<storage, read> m: array<f32>;
@group(0) @binding(6) var<storage, read_write> mNext: array<f32>;
@group(0) @binding(7) var<storage, read_write> errors: array<atomic<u32>>;

fn blockAt(row0: u32, col0: u32, layer: u32) -> Block {
  return tileBlock(row0, col0);
}

fn readA(block: Block, row: u32, col: u32) -> f32 {
  let index = block.offset + row * block.n + col;
  if (countTrailingZeros(block.p) % 2u == 1u) { return oddSquares[index]; }
  return evenSquares[index];
}

fn readB(block: Block, row: u32, col: u32) -> f32 {
  return m[block.offset + row * block.n + col];
}

fn storeRow(block: Block, r: u32, n0: u32, sums0: vec4f, sums1: vec4f) {
  let row = block.row0 + r;
  if (row >= block.n) { return; }
  var deviation = 0u;
  for (var j = 0u; j < BN; j++) {
    let col = block.col0 + n0 + j * THREADS_N;
    if (col >= block.n) { break; }
    let value = registerColumn(sums0, sums1, j);
    mNext[block.offset + row * block.n + col] = value;
    deviation = max(deviation, bitcast<u32>(value - select(0.0, 1.0, row == col)) & 0x7FFFFFFFu);
  }
  atomicMax(&errors[block.matrix], deviation);
}
