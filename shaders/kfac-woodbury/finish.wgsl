// The last step of the Woodbury route to A⁻¹ = (λI + s·XᵀX)⁻¹, in place on P = Xᵀ K⁻¹ X:
//   inverse[i, j] = (δ_ij − scale · P[i, j]) / ridges[ridgeIndex],   i, j < d
// with λ = ridges[ridgeIndex] written on the GPU by the damping split.
override WG: u32;

struct Params { d: u32, scale: f32, ridgeIndex: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ridges: array<f32>;
@group(0) @binding(2) var<storage, read_write> inverse: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let k = gid.x + gid.y * groups.x * WG;
  if (k >= params.d * params.d) { return; }
  let identity = select(0.0, 1.0, k % (params.d + 1u) == 0u);
  inverse[k] = (identity - params.scale * inverse[k]) / ridges[params.ridgeIndex];
}
