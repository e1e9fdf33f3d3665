// out[n, o] = sum_c inp[n, c] * weight[o, c] + bias[o], i.e. out = inp @ weight^T + bias with
// inp (N, C), weight (OC, C), bias (OC), out (N, OC). Without bias, matmul-tiled.wgsl with
// TRANS_B computes the same product.
//
// The tiling is that of matmul-tiled.wgsl: a workgroup owns a TILE x TILE block of out and walks
// C in slices of TK staged in workgroup memory, each invocation a BLOCK x BLOCK register block
// strided by THREADS. weight^T is read through the indices.
const THREADS: u32 = 16;
// One vec4f of accumulators per block row, so BLOCK is tied to 4.
const BLOCK: u32 = 4;
const TILE: u32 = THREADS * BLOCK;
const TK: u32 = 16;
const LOADS: u32 = TILE * TK / (THREADS * THREADS);

struct Params { N: u32, C: u32, OC: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Both tiles are stored c-major: tileInp[c * TILE + n], tileWeight[c * TILE + o].
var<workgroup> tileInp: array<f32, TK * TILE>;
var<workgroup> tileWeight: array<f32, TK * TILE>;

@compute @workgroup_size(THREADS, THREADS)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc: array<vec4f, BLOCK>;

  for (var c0 = 0u; c0 < params.C; c0 += TK) {
    // inp and weight are both contiguous along c, so consecutive invocations take consecutive c.
    for (var r = 0u; r < LOADS; r++) {
      let l = li + r * THREADS * THREADS;
      let t = l / TK;
      let c = l % TK;
      var x = 0.0;
      if (row0 + t < params.N && c0 + c < params.C) { x = inp[(row0 + t) * params.C + c0 + c]; }
      tileInp[c * TILE + t] = x;
      var w = 0.0;
      if (col0 + t < params.OC && c0 + c < params.C) { w = weight[(col0 + t) * params.C + c0 + c]; }
      tileWeight[c * TILE + t] = w;
    }
    workgroupBarrier();
    for (var c = 0u; c < TK; c++) {
      let wv = vec4f(
        tileWeight[c * TILE + lid.x],
        tileWeight[c * TILE + lid.x + THREADS],
        tileWeight[c * TILE + lid.x + 2u * THREADS],
        tileWeight[c * TILE + lid.x + 3u * THREADS],
      );
      for (var i = 0u; i < BLOCK; i++) {
        acc[i] += tileInp[c * TILE + lid.y + i * THREADS] * wv;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < BLOCK; i++) {
    let n = row0 + lid.y + i * THREADS;
    if (n >= params.N) { break; }
    for (var j = 0u; j < BLOCK; j++) {
      let o = col0 + lid.x + j * THREADS;
      if (o >= params.OC) { break; }
      out[n * params.OC + o] = acc[i][j] + bias[o];
    }
  }
}
