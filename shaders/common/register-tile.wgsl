// out[m, n] = epilogue(sum_k A[m, k] * B[k, n]): the tiled main loop shared by every GEMM-shaped
// kernel (conv2d forward, dInp and dWeight, attention scores and apply, linear's matmul). It is
// joined after the kernel's own source (withRegisterTile in src/engine/kernels/register-tile.ts);
// WGSL has no #include, and module-scope declarations may come in any order.
//
// A workgroup owns a TM x TN block of the output and walks k in slices of TK staged in
// workgroup memory, tileA[k * ROW_A + m] and tileB[k * ROW_B + n]. Each invocation accumulates a
// BM x BN register block whose rows and columns are strided by THREADS_M and THREADS_N, so
// neighbouring invocations read neighbouring words and write neighbouring outputs.
//
// The kernel supplies what A, B and the output are:
//   struct Block { innerStart: u32, innerEnd: u32, ... }: what one workgroup needs, built once;
//     the loop runs k0 over [innerStart, innerEnd) in steps of TK.
//   fn blockAt(row0: u32, col0: u32, layer: u32) -> Block: the block whose output rows start at
//     row0 and columns at col0, layer = workgroup_id.z. It must depend on nothing but its
//     arguments and uniforms, so that every invocation runs the same number of slices.
//   fn prepareBlock(block: Block, li: u32): fills the kernel's per-block workgroup tables (may do
//     nothing); a barrier follows it.
//   fn loadTileA(block: Block, k0: u32, li: u32): tileA[k * ROW_A + m] = A[row0 + m, k0 + k] for
//     every m < TM, k < TK, 0 outside A; the THREADS invocations share the work.
//   fn loadTileB(block: Block, k0: u32, li: u32): tileB[k * ROW_B + n] = B[k0 + k, col0 + n].
//   fn storeRow(block: Block, m: u32, n0: u32, sums0: vec4f, sums1: vec4f): the epilogue of
//     output row row0 + m at columns col0 + n0 + j * THREADS_N, j < BN, whose sums are
//     registerColumn(sums0, sums1, j); it skips what lies outside the output.
//
// The register block is spelled out (acc0a..acc7b, not an array indexed in a loop): SwiftShader,
// which CI runs, does not unroll the loops and keeps such an array in memory; spelled out it
// measured twice as fast. 8 x 8 reads 16 workgroup-memory words per 64 multiply-adds where
// 4 x 4 reads 8 per 16, another factor of about 1.6 there.
const BM: u32 = 8;
const BN: u32 = 8;

// The launcher passes the tile (tileConstants in register-tile.ts); TM * TN a multiple of
// BM * BN * TK makes THREADS a multiple of TK, so an invocation can stage one fixed k offset of
// every slice.
override TM: u32;
override TN: u32;
override TK: u32;
override THREADS_M: u32 = TM / BM;
override THREADS_N: u32 = TN / BN;
override THREADS: u32 = THREADS_M * THREADS_N;
// Tile rows padded by one word: staging writes often run down a column, which would otherwise
// hit a single memory bank on a GPU.
override ROW_A: u32 = TM + 1;
override ROW_B: u32 = TN + 1;

var<workgroup> tileA: array<f32, TK * ROW_A>;
var<workgroup> tileB: array<f32, TK * ROW_B>;

// Column j < BN of a register row held as two vec4f: columns 0..3 in sums0, 4..7 in sums1.
fn registerColumn(sums0: vec4f, sums1: vec4f, j: u32) -> f32 {
  return select(sums1[j % 4u], sums0[j % 4u], j < 4u);
}

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let block = blockAt(wid.y * TM, wid.x * TN, wid.z);
  prepareBlock(block, li);
  workgroupBarrier();

  // acc<i>a holds register row i's columns 0..3, acc<i>b its columns 4..7.
  var acc0a = vec4f();
  var acc0b = vec4f();
  var acc1a = vec4f();
  var acc1b = vec4f();
  var acc2a = vec4f();
  var acc2b = vec4f();
  var acc3a = vec4f();
  var acc3b = vec4f();
  var acc4a = vec4f();
  var acc4b = vec4f();
  var acc5a = vec4f();
  var acc5b = vec4f();
  var acc6a = vec4f();
  var acc6b = vec4f();
  var acc7a = vec4f();
  var acc7b = vec4f();

  for (var k0 = block.innerStart; k0 < block.innerEnd; k0 += TK) {
    loadTileA(block, k0, li);
    loadTileB(block, k0, li);
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let bBase = k * ROW_B + lid.x;
      let b0 = vec4f(tileB[bBase], tileB[bBase + THREADS_N], tileB[bBase + 2u * THREADS_N], tileB[bBase + 3u * THREADS_N]);
      let b1 = vec4f(tileB[bBase + 4u * THREADS_N], tileB[bBase + 5u * THREADS_N], tileB[bBase + 6u * THREADS_N], tileB[bBase + 7u * THREADS_N]);
      let aBase = k * ROW_A + lid.y;
      let a0 = tileA[aBase];
      let a1 = tileA[aBase + THREADS_M];
      let a2 = tileA[aBase + 2u * THREADS_M];
      let a3 = tileA[aBase + 3u * THREADS_M];
      let a4 = tileA[aBase + 4u * THREADS_M];
      let a5 = tileA[aBase + 5u * THREADS_M];
      let a6 = tileA[aBase + 6u * THREADS_M];
      let a7 = tileA[aBase + 7u * THREADS_M];
      acc0a += a0 * b0;
      acc0b += a0 * b1;
      acc1a += a1 * b0;
      acc1b += a1 * b1;
      acc2a += a2 * b0;
      acc2b += a2 * b1;
      acc3a += a3 * b0;
      acc3b += a3 * b1;
      acc4a += a4 * b0;
      acc4b += a4 * b1;
      acc5a += a5 * b0;
      acc5b += a5 * b1;
      acc6a += a6 * b0;
      acc6b += a6 * b1;
      acc7a += a7 * b0;
      acc7b += a7 * b1;
    }
    workgroupBarrier();
  }

  storeRow(block, lid.y, lid.x, acc0a, acc0b);
  storeRow(block, lid.y + THREADS_M, lid.x, acc1a, acc1b);
  storeRow(block, lid.y + 2u * THREADS_M, lid.x, acc2a, acc2b);
  storeRow(block, lid.y + 3u * THREADS_M, lid.x, acc3a, acc3b);
  storeRow(block, lid.y + 4u * THREADS_M, lid.x, acc4a, acc4b);
  storeRow(block, lid.y + 5u * THREADS_M, lid.x, acc5a, acc5b);
  storeRow(block, lid.y + 6u * THREADS_M, lid.x, acc6a, acc6b);
  storeRow(block, lid.y + 7u * THREADS_M, lid.x, acc7a, acc7b);
}
