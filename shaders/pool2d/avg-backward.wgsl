// dInp[b, c, h, w] (+)= (1 / K^2) * sum of dOut[b, c, oh, ow] over the windows (oh, ow) that
// contain (h, w). One invocation per input element (gather, so overlapping windows need no
// atomics).
override WG: u32;
override ACCUMULATE: bool;

struct Params { n: u32, H: u32, W: u32, Hout: u32, Wout: u32, K: u32, stride: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dInp: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let w = i % params.W;
  let h = (i / params.W) % params.H;
  let plane = i / (params.W * params.H);
  // Windows oh with oh*stride <= h <= oh*stride + K - 1; empty for rows no window reaches.
  let ohFirst = select(0u, (h - params.K) / params.stride + 1u, h >= params.K);
  let ohLast = min(h / params.stride, params.Hout - 1u);
  let owFirst = select(0u, (w - params.K) / params.stride + 1u, w >= params.K);
  let owLast = min(w / params.stride, params.Wout - 1u);
  var sum = 0.0;
  for (var oh = ohFirst; oh <= ohLast; oh++) {
    for (var ow = owFirst; ow <= owLast; ow++) {
      sum += dOut[(plane * params.Hout + oh) * params.Wout + ow];
    }
  }
  var grad = sum / f32(params.K * params.K);
  if (ACCUMULATE) { grad += dInp[i]; }
  dInp[i] = grad;
}
