// c (+)= op(a) @ op(b): c[m, p] = sum_k op(a)[m, k] * op(b)[k, p], with op(a) (M, K), op(b) (K, P)
// and c (M, P), all row-major. TRANS_A: a is stored as (K, M); TRANS_B: b is stored as (P, K).
// Transposes are read through the index arithmetic, never materialised.
//
// HAS_BIAS adds bias[p] to every row: linear's forward, out = inp @ weight^T + bias, so it goes
// with TRANS_B (b is the (OC, C) weight and column p is output feature p). Without it the launcher
// binds a placeholder at binding 3: layout 'auto' keeps the binding, as it is referenced, but it
// is never read.
//
// A workgroup owns a TILE x TILE block of c and walks K in slices of TK staged in workgroup
// memory; each invocation keeps a BLOCK x BLOCK register block of accumulators. An invocation's
// rows and columns are strided by THREADS, so neighbouring invocations read neighbouring
// workgroup-memory words and write neighbouring outputs.
const THREADS: u32 = 16;
// One vec4f of accumulators per block row, so BLOCK is tied to 4.
const BLOCK: u32 = 4;
const TILE: u32 = THREADS * BLOCK;
const TK: u32 = 16;
const LOADS: u32 = TILE * TK / (THREADS * THREADS);

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;
override HAS_BIAS: bool;

struct Params { M: u32, K: u32, P: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Both tiles are stored k-major: tileA[k * TILE + m], tileB[k * TILE + p].
var<workgroup> tileA: array<f32, TK * TILE>;
var<workgroup> tileB: array<f32, TK * TILE>;

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

@compute @workgroup_size(THREADS, THREADS)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc: array<vec4f, BLOCK>;

  for (var k0 = 0u; k0 < params.K; k0 += TK) {
    // Consecutive invocations load consecutive addresses of whichever dimension is contiguous.
    for (var r = 0u; r < LOADS; r++) {
      let l = li + r * THREADS * THREADS;
      var m = l / TK;
      var k = l % TK;
      if (TRANS_A) { k = l / TILE; m = l % TILE; }
      tileA[k * TILE + m] = readA(row0 + m, k0 + k);
      var kb = l / TILE;
      var p = l % TILE;
      if (TRANS_B) { p = l / TK; kb = l % TK; }
      tileB[kb * TILE + p] = readB(k0 + kb, col0 + p);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let bv = vec4f(
        tileB[k * TILE + lid.x],
        tileB[k * TILE + lid.x + THREADS],
        tileB[k * TILE + lid.x + 2u * THREADS],
        tileB[k * TILE + lid.x + 3u * THREADS],
      );
      for (var i = 0u; i < BLOCK; i++) {
        acc[i] += tileA[k * TILE + lid.y + i * THREADS] * bv;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < BLOCK; i++) {
    let row = row0 + lid.y + i * THREADS;
    if (row >= params.M) { break; }
    for (var j = 0u; j < BLOCK; j++) {
      let col = col0 + lid.x + j * THREADS;
      if (col >= params.P) { break; }
      let index = row * params.P + col;
      var value = acc[i][j];
      if (ACCUMULATE) { value += c[index]; }
      if (HAS_BIAS) { value += bias[col]; }
      c[index] = value;
    }
  }
}
