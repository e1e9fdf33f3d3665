// One snapshot of a run's flat parameters into its slot of the snapshot storage:
//   snapshots[slot·P + i] = weights[i]              for i < P,  slot = slotIndex[0]
//   slotLoss[2·slot] = lossAccumulator[0], slotLoss[2·slot + 1] = lossAccumulator[1]
//   lossAccumulator[0] = lossAccumulator[1] = 0      (invocation 0 only)
// so each slot keeps the sum of the per-step mean losses since the previous snapshot and how
// many steps it holds. The slot is read from a storage tensor the host writes before each
// submit, because the plan's uniforms are fixed when it is built. A slot ≥ capacity writes
// nothing: robust buffer access would otherwise clamp the writes into the last slot and
// overwrite another snapshot. snapshots has capacity·P < 2^31 elements, so slot·P + i fits a u32.
override WG: u32;

struct Params { P: u32, capacity: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> slotIndex: array<u32>;
@group(0) @binding(3) var<storage, read_write> snapshots: array<f32>;
@group(0) @binding(4) var<storage, read_write> slotLoss: array<f32>;
@group(0) @binding(5) var<storage, read_write> lossAccumulator: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let slot = slotIndex[0];
  if (slot >= params.capacity) { return; }
  if (i == 0u) {
    slotLoss[2u * slot] = lossAccumulator[0];
    slotLoss[2u * slot + 1u] = lossAccumulator[1];
    lossAccumulator[0] = 0.0;
    lossAccumulator[1] = 0.0;
  }
  if (i < params.P) { snapshots[slot * params.P + i] = weights[i]; }
}
