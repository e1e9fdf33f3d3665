// out[b, t, c] = wte[tokens[b, t], c] + wpe[t, c], with tokens (B, T), wte (V, C), wpe (Tmax, C),
// out (B, T, C); one invocation per element of out.
// A token >= V is clamped to V - 1 so it cannot read outside wte; embeddingBackwardIndex and the
// reference reject such tokens, so a clamped row is never meant to be a real result.
override WG: u32;

struct Params { positions: u32, T: u32, C: u32, V: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> wte: array<f32>;
@group(0) @binding(3) var<storage, read> wpe: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let C = params.C;
  if (i >= params.positions * C) { return; }
  let p = i / C;
  let c = i - p * C;
  let t = p % params.T;
  let token = min(tokens[p], params.V - 1u);
  out[i] = wte[token * C + c] + wpe[t * C + c];
}
