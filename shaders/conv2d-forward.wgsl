// out[b, co, oy, ox] = bias[co] (with HAS_BIAS)
//   + sum_{ci, ky, kx} inp[b, ci, oy * stride - pad + ky, ox * stride - pad + kx] * weight[co, ci, ky, kx],
// where input positions outside the image are zero (zero padding). One invocation per output element.
override WG: u32 = 256;
// Without bias the launcher binds a placeholder at binding 3: layout 'auto' keeps the binding,
// as it is referenced, but it is never read.
override HAS_BIAS: bool;

struct Params { total: u32, cin: u32, h: u32, w: u32, cout: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.total) { return; }
  let ox = i % params.wout;
  let oy = (i / params.wout) % params.hout;
  let co = (i / (params.wout * params.hout)) % params.cout;
  let b = i / (params.wout * params.hout * params.cout);
  // Clip the window to the image once so the loops need no per-tap bounds checks.
  let y0 = i32(oy * params.stride) - i32(params.pad);
  let x0 = i32(ox * params.stride) - i32(params.pad);
  let k = i32(params.k);
  let kyBegin = u32(clamp(-y0, 0, k));
  let kyEnd = u32(clamp(i32(params.h) - y0, 0, k));
  let kxBegin = u32(clamp(-x0, 0, k));
  let kxEnd = u32(clamp(i32(params.w) - x0, 0, k));
  var sum = 0.0;
  if (HAS_BIAS) { sum = bias[co]; }
  for (var ci = 0u; ci < params.cin; ci++) {
    let inpPlane = (b * params.cin + ci) * params.h;
    let weightPlane = (co * params.cin + ci) * params.k;
    for (var ky = kyBegin; ky < kyEnd; ky++) {
      let inpRow = (inpPlane + u32(y0 + i32(ky))) * params.w;
      let weightRow = (weightPlane + ky) * params.k;
      for (var kx = kxBegin; kx < kxEnd; kx++) {
        sum += inp[inpRow + u32(x0 + i32(kx))] * weight[weightRow + kx];
      }
    }
  }
  out[i] = sum;
}
