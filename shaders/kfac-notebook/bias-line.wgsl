// The bias row and column of the notebook K-FAC's A factor (a ones column appended to the
// im2col patches a_r of x, every column divided by T = Hout·Wout for a convolution):
//   new[i, d] = new[d, i] = scale · Σ_r a_r[i]  (i < d),   new[d, d] = scale · rows
//   M[.] = decay · M[.] + (1 − decay) · new[.]
// with d = C·K·K, scale = 1/(B·T²) and rows = B·T. One workgroup per i ≤ d; the patch values
// are gathered by index as in the Gram kernel (rows (b, oy, ox), columns (c, ky, kx), zero padding).
override WG: u32;

struct Params {
  batch: u32, channels: u32, height: u32, width: u32,
  kernel: u32, stride: u32, padding: u32, outHeight: u32,
  outWidth: u32, mOffset: u32, scale: f32, decay: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let K = params.kernel;
  let d = params.channels * K * K;
  let column = wid.x;
  if (column > d) { return; }
  let rows = params.batch * params.outHeight * params.outWidth;
  let side = d + 1u;
  if (column == d) {
    if (li == 0u) {
      let at = params.mOffset + d * side + d;
      M[at] = params.decay * M[at] + (1.0 - params.decay) * params.scale * f32(rows);
    }
    return;
  }
  let c = column / (K * K);
  let ky = (column / K) % K;
  let kx = column % K;
  var sum = 0.0;
  for (var r = li; r < rows; r += WG) {
    let ox = r % params.outWidth;
    let oy = (r / params.outWidth) % params.outHeight;
    let b = r / (params.outWidth * params.outHeight);
    let iy = i32(oy * params.stride + ky) - i32(params.padding);
    let ix = i32(ox * params.stride + kx) - i32(params.padding);
    if (iy >= 0 && iy < i32(params.height) && ix >= 0 && ix < i32(params.width)) {
      sum += x[((b * params.channels + c) * params.height + u32(iy)) * params.width + u32(ix)];
    }
  }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    let value = (1.0 - params.decay) * params.scale * partial[0];
    let right = params.mOffset + column * side + d;
    let below = params.mOffset + d * side + column;
    M[right] = params.decay * M[right] + value;
    M[below] = params.decay * M[below] + value;
  }
}
