// h[j] = (1/N) * sum_n ā[n, j]^2 over the im2col patches of the zero-padded input x (B, C, H, W):
// rows n = (b, oy, ox), N = B*Hout*Wout; columns j = (c, ky, kx);
// ā[n, j] = x[b, c, oy*stride - pad + ky, ox*stride - pad + kx], 0 outside the image.
// With HAS_BIAS, h[C*K*K] = 1: the mean square of the appended ones column.
// A Linear layer's (N, in) input is the same with H = W = K = 1.
//
// One workgroup per column, a strided loop over the N rows and a tree reduction, so the
// long reduction (N = B*Hout*Wout) stays parallel. Patches are gathered from indices; no
// im2col matrix exists.
override WG: u32;
override HAS_BIAS: bool;

struct Params { batch: u32, channels: u32, h: u32, w: u32, k: u32, stride: u32, pad: u32, hout: u32, wout: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // Columns may exceed one grid dimension, so they are folded over x and y.
  let j = wid.x + wid.y * groups.x;
  let kk = params.k * params.k;
  let columns = params.channels * kk;
  if (HAS_BIAS && j == columns) {
    if (li == 0u) { out[j] = 1.0; }
    return;
  }
  if (j >= columns) { return; }
  let c = j / kk;
  let tap = j % kk;
  let ky = i32(tap / params.k);
  let kx = i32(tap % params.k);
  let plane = params.hout * params.wout;
  let rows = params.batch * plane;
  let ih = i32(params.h);
  let iw = i32(params.w);
  var sum = 0.0;
  for (var n = li; n < rows; n += WG) {
    let b = n / plane;
    let pix = n % plane;
    let iy = i32((pix / params.wout) * params.stride) - i32(params.pad) + ky;
    let ix = i32((pix % params.wout) * params.stride) - i32(params.pad) + kx;
    if (iy >= 0 && iy < ih && ix >= 0 && ix < iw) {
      let value = x[((b * params.channels + c) * params.h + u32(iy)) * params.w + u32(ix)];
      sum += value * value;
    }
  }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { out[j] = partial[0] / f32(rows); }
}
