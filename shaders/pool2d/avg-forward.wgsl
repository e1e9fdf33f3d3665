// out[b, c, oh, ow] = (1 / K^2) * sum over kh, kw < K of inp[b, c, oh*stride + kh, ow*stride + kw]
// (no padding). One invocation per output element; n = B*C*Hout*Wout.
override WG: u32;

struct Params { n: u32, H: u32, W: u32, Hout: u32, Wout: u32, K: u32, stride: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let ow = i % params.Wout;
  let oh = (i / params.Wout) % params.Hout;
  let plane = i / (params.Wout * params.Hout);
  let corner = plane * params.H * params.W + oh * params.stride * params.W + ow * params.stride;
  var sum = 0.0;
  for (var kh = 0u; kh < params.K; kh++) {
    for (var kw = 0u; kw < params.K; kw++) {
      sum += inp[corner + kh * params.W + kw];
    }
  }
  out[i] = sum / f32(params.K * params.K);
}
