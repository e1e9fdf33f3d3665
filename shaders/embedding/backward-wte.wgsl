// dWte[uniqueTokens[u], c] += sum_{k = offsets[u]}^{offsets[u+1] - 1} dOut[positions[k], c], for u < U = count[0]:
// the scatter-add dWte[tokens[b, t], c] += dOut[b, t, c] regrouped by token on the CPU
// (embeddingBackwardIndex), so each element of dWte is written by one invocation, without
// atomics, summing in a fixed order. It always accumulates: rows of tokens absent from the batch
// are not written, so an overwrite would still leave them stale. dOut is (B*T, C), dWte (V, C).
// The grid covers the largest possible U, B*T; U arrives in a buffer because it changes with
// every batch while the uniforms are fixed when the plan is built.
override WG: u32;

struct Params { positions: u32, C: u32, V: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> uniqueTokens: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read> positions: array<u32>;
@group(0) @binding(5) var<storage, read> count: array<u32>;
@group(0) @binding(6) var<storage, read_write> dWte: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let C = params.C;
  if (i >= params.positions * C) { return; }
  let u = i / C;
  let c = i - u * C;
  if (u >= min(count[0], params.positions)) { return; }
  let token = uniqueTokens[u];
  // A corrupt index must not turn into a write outside dWte (robust access may redirect it).
  if (token >= params.V) { return; }
  let end = offsets[u + 1u];
  var sum = 0.0;
  for (var k = offsets[u]; k < end; k++) { sum += dOut[positions[k] * C + c]; }
  dWte[token * C + c] += sum;
}
