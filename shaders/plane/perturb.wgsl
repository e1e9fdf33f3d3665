// The weights at one point (α, β) of the landscape's plane:
//   out[i] = base[slot·P + i] + α·dirX[i] + β·dirY[i]      for i < P
// with slot = slotIndex[0] (a centre kept in the snapshot storage, or slot 0 of a single
// vector) and (α, β) = (coords[0], coords[1]), both read from storage tensors the host writes
// before each submit. A slot ≥ capacity writes nothing (robust buffer access would otherwise
// clamp the reads into the last slot and give plausible but wrong weights). One invocation per
// i, folded over x and y past 65535 workgroups; slot·P + i < capacity·P < 2^31 fits a u32.
override WG: u32;

struct Params { P: u32, capacity: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> base: array<f32>;
@group(0) @binding(2) var<storage, read> slotIndex: array<u32>;
@group(0) @binding(3) var<storage, read> dirX: array<f32>;
@group(0) @binding(4) var<storage, read> dirY: array<f32>;
@group(0) @binding(5) var<storage, read> coords: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let slot = slotIndex[0];
  if (i >= params.P || slot >= params.capacity) { return; }
  out[i] = base[slot * params.P + i] + coords[0] * dirX[i] + coords[1] * dirY[i];
}
