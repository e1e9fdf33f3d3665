// In place on row (b, h, i) of probs (B, H, T, T), which holds the scaled scores S_ij for j <= i:
//   probs[b, h, i, j] = exp(S_ij - m_i) / sum_{k <= i} exp(S_ik - m_i)   for j <= i,
//   probs[b, h, i, j] = 0                                                for j > i (the causal mask),
// with m_i = max_{k <= i} S_ik, so exp cannot overflow. Entries j > i are never read.
// One invocation per row r = (b * H + h) * T + i, folded over a 2-D grid: a row is at most T
// long, and a workgroup per row with a tree reduction measured 20-40 times slower on SwiftShader.
override WG: u32;

struct Params { rows: u32, T: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> probs: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * groups.x * WG;
  if (r >= params.rows) { return; }
  let T = params.T;
  let i = r % T;
  let row = r * T;

  var m = probs[row];
  for (var j = 1u; j <= i; j++) { m = max(m, probs[row + j]); }
  var s = 0.0;
  for (var j = 0u; j <= i; j++) { s += exp(probs[row + j] - m); }
  let invSum = 1.0 / s;
  for (var j = 0u; j <= i; j++) { probs[row + j] = exp(probs[row + j] - m) * invSum; }
  for (var j = i + 1u; j < T; j++) { probs[row + j] = 0.0; }
}
