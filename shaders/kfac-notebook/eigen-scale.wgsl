// The middle of the notebook K-FAC's natural gradient, in place on V1 = Q_gᵀ P Q_a (rows x cols):
//   V1[i, j] /= d_g[i] · d_a[j] + damping
// with d_g and d_a the eigenvalues of the G and A factors (those at or below 1e-10 already 0).
override WG: u32;

struct Params { rows: u32, cols: u32, damping: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dG: array<f32>;
@group(0) @binding(2) var<storage, read> dA: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = gid.x + gid.y * groups.x * WG;
  if (e >= params.rows * params.cols) { return; }
  V[e] = V[e] / (dG[e / params.cols] * dA[e % params.cols] + params.damping);
}
