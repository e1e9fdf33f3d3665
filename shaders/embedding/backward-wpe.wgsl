// dWpe[t, c] (+)= sum_b dOut[b, t, c] for t < T, with dOut (B, T, C) and dWpe (Tmax, C); rows
// t >= T are not touched. One invocation per (t, c) loops over the batch: B sequences are few,
// and T*C outputs already fill the GPU, so no workgroup reduction is needed.
override WG: u32;
override ACCUMULATE: bool;

struct Params { B: u32, T: u32, C: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dWpe: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let TC = params.T * params.C;
  if (i >= TC) { return; }
  var grad = 0.0;
  for (var b = 0u; b < params.B; b++) { grad += dOut[b * TC + i]; }
  if (ACCUMULATE) { grad += dWpe[i]; }
  dWpe[i] = grad;
}
