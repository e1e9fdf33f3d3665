// out = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), element-wise: the exact GELU (PyTorch's default,
// approximate='none'). Phi and phi come from shaders/common/normal-cdf.wgsl, joined after this
// source by the launcher; their accuracy is stated there.
override WG: u32;

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let x = inp[i];
  out[i] = x * normal_cdf(x, normal_pdf(x));
}
