// The running loss between two snapshots, after each training step (one invocation):
//   lossAccumulator[0] += metrics[0] / metrics[2]     (the step's mean loss: loss sum / rows)
//   lossAccumulator[1] += 1                           (steps summed)
// metrics = [loss sum, correct, rows] as the step's cross-entropy totals wrote them; a training
// step always counts at least one row. copy.wgsl moves both values into the snapshot's slot
// and resets them, so slotLoss[2t] / slotLoss[2t + 1] is the mean training loss since the
// previous snapshot.
@group(0) @binding(0) var<storage, read> metrics: array<f32>;
@group(0) @binding(1) var<storage, read_write> lossAccumulator: array<f32>;

@compute @workgroup_size(1)
fn main() {
  lossAccumulator[0] += metrics[0] / metrics[2];
  lossAccumulator[1] += 1.0;
}
