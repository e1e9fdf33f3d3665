// Max pooling with the windows' arg-max frozen at another input (no padding):
//   out[b, c, oh, ow] = inp[b, c, oh*stride + kh*, ow*stride + kw*]
// where (kh*, kw*) is the first maximum of the same window of `at` in row-major order (only a
// strictly greater value replaces the best, as max-pool's backward). With at = inp this is max
// pooling; with at = an earlier forward's input, the selection of that forward, which is what
// a derivative of max pooling holds fixed. One invocation per output element; n = B*C*Hout*Wout.
override WG: u32;

struct Params { n: u32, H: u32, W: u32, Hout: u32, Wout: u32, K: u32, stride: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> at: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let ow = i % params.Wout;
  let oh = (i / params.Wout) % params.Hout;
  let plane = i / (params.Wout * params.Hout);
  let corner = plane * params.H * params.W + oh * params.stride * params.W + ow * params.stride;
  var best = corner;
  var bestValue = at[corner];
  for (var kh = 0u; kh < params.K; kh++) {
    for (var kw = 0u; kw < params.K; kw++) {
      let index = corner + kh * params.W + kw;
      if (at[index] > bestValue) {
        best = index;
        bestValue = at[index];
      }
    }
  }
  out[i] = inp[best];
}
