// dInp[b, c, h, w] (+)= sum of dOut[b, c, oh, ow] over the windows (oh, ow) that contain
// (h, w) and whose first maximum in row-major order (only a strictly greater value replaces
// the best, as in PyTorch's CPU kernel) is (h, w). One invocation per input element; each
// recomputes the arg-max of the windows covering it, so no index buffer is kept.
override WG: u32;
override ACCUMULATE: bool;

struct Params { n: u32, H: u32, W: u32, Hout: u32, Wout: u32, K: u32, stride: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read_write> dInp: array<f32>;

// Plane-relative index of the first maximum of window (oh, ow).
fn firstArgMax(planeBase: u32, oh: u32, ow: u32) -> u32 {
  let h0 = oh * params.stride;
  let w0 = ow * params.stride;
  var best = h0 * params.W + w0;
  var bestValue = inp[planeBase + best];
  for (var kh = 0u; kh < params.K; kh++) {
    for (var kw = 0u; kw < params.K; kw++) {
      let index = (h0 + kh) * params.W + w0 + kw;
      let value = inp[planeBase + index];
      if (value > bestValue) {
        best = index;
        bestValue = value;
      }
    }
  }
  return best;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let w = i % params.W;
  let h = (i / params.W) % params.H;
  let plane = i / (params.W * params.H);
  let planeBase = plane * params.H * params.W;
  let here = h * params.W + w;
  // Windows oh with oh*stride <= h <= oh*stride + K - 1; the range is empty for rows that
  // no window reaches (dropped by the floor, or in a gap when stride > K).
  let ohFirst = select(0u, (h - params.K) / params.stride + 1u, h >= params.K);
  let ohLast = min(h / params.stride, params.Hout - 1u);
  let owFirst = select(0u, (w - params.K) / params.stride + 1u, w >= params.K);
  let owLast = min(w / params.stride, params.Wout - 1u);
  var grad = 0.0;
  for (var oh = ohFirst; oh <= ohLast; oh++) {
    for (var ow = owFirst; ow <= owLast; ow++) {
      if (firstArgMax(planeBase, oh, ow) == here) {
        grad += dOut[(plane * params.Hout + oh) * params.Wout + ow];
      }
    }
  }
  if (ACCUMULATE) { grad += dInp[i]; }
  dInp[i] = grad;
}
