// The notebook K-FAC's gradient in matrix form, P = [G_w | g_b] (rows x (cols + 1), or
// rows x cols without a bias), gathered from the flat gradient buffer:
//   P[r·pCols + c] = grads[weightOffset + r·cols + c]  (c < cols),  P[r·pCols + cols] = grads[biasOffset + r]
override WG: u32;
override HAS_BIAS: bool;

struct Params { rows: u32, cols: u32, weightOffset: u32, biasOffset: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> P: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let pCols = params.cols + select(0u, 1u, HAS_BIAS);
  let e = gid.x + gid.y * groups.x * WG;
  if (e >= params.rows * pCols) { return; }
  let r = e / pCols;
  let c = e % pCols;
  if (c < params.cols) {
    P[e] = grads[params.weightOffset + r * params.cols + c];
  } else {
    P[e] = grads[params.biasOffset + r];
  }
}
