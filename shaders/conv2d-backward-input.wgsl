// dInp[b, ci, y, x] (+)= sum_{co, ky, kx} dOut[b, co, oy, ox] * weight[co, ci, ky, kx]
//   with oy = (y + pad - ky) / stride and ox = (x + pad - kx) / stride, over the taps where both
//   divisions are exact and (oy, ox) lies inside the output. One invocation per input element
//   gathers every output that read it, so no two invocations write the same element.
override WG: u32 = 256;
override ACCUMULATE: bool = false;

struct Params { total: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> dInp: array<f32>;

// First kernel tap t in [0, k) whose output position (p - t) / stride is exact and below `count`
// (p = y + pad); later taps follow every `stride` while t <= p keeps the position >= 0.
fn firstTap(p: u32, count: u32) -> u32 {
  let span = (count - 1u) * params.stride;
  let low = select(0u, p - span, p > span);
  return low + (p - low) % params.stride;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.total) { return; }
  let x = i % params.w;
  let y = (i / params.w) % params.h;
  let ci = (i / (params.w * params.h)) % params.cin;
  let b = i / (params.w * params.h * params.cin);
  let py = y + params.pad;
  let px = x + params.pad;
  let kyBegin = firstTap(py, params.hout);
  let kxBegin = firstTap(px, params.wout);
  let kyEnd = min(params.k, py + 1u);
  let kxEnd = min(params.k, px + 1u);
  var grad = 0.0;
  for (var co = 0u; co < params.cout; co++) {
    let dOutPlane = (b * params.cout + co) * params.hout;
    let weightPlane = (co * params.cin + ci) * params.k;
    for (var ky = kyBegin; ky < kyEnd; ky += params.stride) {
      let dOutRow = (dOutPlane + (py - ky) / params.stride) * params.wout;
      let weightRow = (weightPlane + ky) * params.k;
      for (var kx = kxBegin; kx < kxEnd; kx += params.stride) {
        grad += dOut[dOutRow + (px - kx) / params.stride] * weight[weightRow + kx];
      }
    }
  }
  if (ACCUMULATE) { grad += dInp[i]; }
  dInp[i] = grad;
}
