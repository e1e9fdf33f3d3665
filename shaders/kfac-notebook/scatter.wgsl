// The notebook K-FAC's clipped natural gradient back into the flat gradient buffer:
//   ν = min(1, sqrt(klClip / (lr² · vg)))  (1 when lr² · vg is not > 0),  vg = Σ_layers ⟨V, P⟩
//   grads[weightOffset + r·cols + c] = ν · V[r·vCols + c],  grads[biasOffset + r] = ν · V[r·vCols + cols]
// with lr = scalars[0] (the step's learning rate) and vg = vg[0].
override WG: u32;
override HAS_BIAS: bool;

struct Params { rows: u32, cols: u32, weightOffset: u32, biasOffset: u32, klClip: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> V: array<f32>;
@group(0) @binding(2) var<storage, read> vg: array<f32>;
@group(0) @binding(3) var<storage, read> scalars: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let vCols = params.cols + select(0u, 1u, HAS_BIAS);
  let e = gid.x + gid.y * groups.x * WG;
  if (e >= params.rows * vCols) { return; }
  let lr = scalars[0];
  let total = lr * lr * vg[0];
  var nu = 1.0;
  if (total > 0.0) { nu = min(1.0, sqrt(params.klClip / total)); }
  let r = e / vCols;
  let c = e % vCols;
  if (c < params.cols) {
    grads[params.weightOffset + r * params.cols + c] = nu * V[e];
  } else {
    grads[params.biasOffset + r] = nu * V[e];
  }
}
