// The notebook K-FAC's running average of a factor block, element-wise:
//   M[mOffset + i·mSide + j] = decay · M[...] + (1 − decay) · S[i·side + j],   i, j < side
// with S the new side x side Gram matrix and M the factor (mSide = side, or side + 1 when the
// factor carries a bias row and column, which bias-line.wgsl updates).
override WG: u32;

struct Params { side: u32, mSide: u32, mOffset: u32, decay: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = gid.x + gid.y * groups.x * WG;
  if (e >= params.side * params.side) { return; }
  let i = e / params.side;
  let j = e % params.side;
  let at = params.mOffset + i * params.mSide + j;
  M[at] = params.decay * M[at] + (1.0 - params.decay) * S[e];
}
