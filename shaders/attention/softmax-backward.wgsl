// In place on row (b, h, i) of dS (B, H, T, T), which holds dP_ij = dOut_i . v_j for j <= i,
// with the forward's probs P:
//   dS[b, h, i, j] = P_ij (dP_ij - sum_{k <= i} P_ik dP_ik)   for j <= i,
//   dS[b, h, i, j] = 0                                        for j > i (masked, P_ij = 0),
// the gradient through the row's softmax. Entries j > i are never read.
// One invocation per row r = (b * H + h) * T + i, folded over a 2-D grid: a row is at most T
// long, and a workgroup per row with a tree reduction measured 20-40 times slower on SwiftShader.
override WG: u32;

struct Params { rows: u32, T: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> dS: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * groups.x * WG;
  if (r >= params.rows) { return; }
  let T = params.T;
  let i = r % T;
  let row = r * T;

  var rowDot = 0.0;
  for (var j = 0u; j <= i; j++) { rowDot += probs[row + j] * dS[row + j]; }
  for (var j = 0u; j <= i; j++) { dS[row + j] = probs[row + j] * (dS[row + j] - rowDot); }
  for (var j = i + 1u; j < T; j++) { dS[row + j] = 0.0; }
}
