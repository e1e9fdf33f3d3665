// K-FAC's bias preconditioning, g_b <- B⁻¹ g_b in place, one workgroup per layer of the table:
//   scratch[s + j] = grads[g + j];  then  grads[g + i] = Σ_j inverses[v + i·n + j] · scratch[s + j]
// for i, j < n (B's side). The copy keeps the old g_b while the workgroup overwrites it; each
// layer has its own scratch range, so the layers run side by side.
override WG: u32;

struct Params { layers: u32 }

// (gradOffset g, inverseOffset v, side n, scratchOffset s) per layer.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<vec4u>;
@group(0) @binding(2) var<storage, read> inverses: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let layer = wid.x;
  if (layer >= params.layers) { return; }
  let entry = table[layer];
  let n = entry.z;
  for (var j = li; j < n; j += WG) { scratch[entry.w + j] = grads[entry.x + j]; }
  storageBarrier();
  for (var i = li; i < n; i += WG) {
    var sum = 0.0;
    let row = entry.y + i * n;
    for (var j = 0u; j < n; j++) { sum += inverses[row + j] * scratch[entry.w + j]; }
    grads[entry.x + i] = sum;
  }
}
