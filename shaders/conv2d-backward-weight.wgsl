// dWeight[co, ci, ky, kx] (+)= sum_{b, oy, ox} dOut[b, co, oy, ox] * inp[b, ci, oy * stride - pad + ky, ox * stride - pad + kx],
// where input positions outside the image are zero. One workgroup per weight element: a strided
// loop over the B * Hout * Wout output positions, then a tree reduction in workgroup memory.
override WG: u32 = 64;
override ACCUMULATE: bool = false;

struct Params { total: u32, batch: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read_write> dWeight: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = wid.x + wid.y * groups.x;
  // Depends only on the workgroup, so the barriers below stay in uniform control flow.
  if (e >= params.total) { return; }
  let kx = e % params.k;
  let ky = (e / params.k) % params.k;
  let ci = (e / (params.k * params.k)) % params.cin;
  let co = e / (params.k * params.k * params.cin);
  let plane = params.hout * params.wout;
  let n = params.batch * plane;
  var sum = 0.0;
  for (var j = lid; j < n; j += WG) {
    let b = j / plane;
    let p = j % plane;
    let iy = i32((p / params.wout) * params.stride + ky) - i32(params.pad);
    let ix = i32((p % params.wout) * params.stride + kx) - i32(params.pad);
    if (iy >= 0 && iy < i32(params.h) && ix >= 0 && ix < i32(params.w)) {
      sum += dOut[(b * params.cout + co) * plane + p] * inp[((b * params.cin + ci) * params.h + u32(iy)) * params.w + u32(ix)];
    }
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var grad = partial[0];
    if (ACCUMULATE) { grad += dWeight[e]; }
    dWeight[e] = grad;
  }
}
