// float64 references for the snapshot kernels, with the slot and the Gram row given as numbers
// (the GPU reads them from u32 tensors). Like the shaders, a slot ≥ capacity or a row ≥ S
// writes nothing.

/** snapshots[slot·P + i] = params[i]; slotLoss[2·slot .. 2·slot + 1] = lossAccumulator, which is then reset to 0. */
export function snapshotCopy(
  snapshots: Float64Array,
  slotLoss: Float64Array,
  params: Float64Array,
  lossAccumulator: Float64Array,
  slot: number,
  P: number,
  capacity: number,
): void {
  if (slot >= capacity) return;
  for (let i = 0; i < P; i++) snapshots[slot * P + i] = params[i];
  slotLoss[2 * slot] = lossAccumulator[0];
  slotLoss[2 * slot + 1] = lossAccumulator[1];
  lossAccumulator[0] = 0;
  lossAccumulator[1] = 0;
}

/** lossAccumulator[0] += metrics[0] / metrics[2] (the step's mean loss); lossAccumulator[1] += 1. */
export function accumulateLoss(lossAccumulator: Float64Array, metrics: ArrayLike<number>): void {
  lossAccumulator[0] += metrics[0] / metrics[2];
  lossAccumulator[1] += 1;
}

/** gram[r·S + first + t] = gram[(first + t)·S + r] = Σ_i (row[i] − origin[i]) · (snapshots[t·P + i] − origin[i]) for t < capacity. */
export function gramUpdate(
  gram: Float64Array,
  snapshots: Float64Array,
  row: Float64Array,
  origin: Float64Array,
  r: number,
  P: number,
  capacity: number,
  first: number,
  S: number,
): void {
  if (r >= S) return;
  for (let t = 0; t < capacity; t++) {
    let sum = 0;
    for (let i = 0; i < P; i++) sum += (row[i] - origin[i]) * (snapshots[t * P + i] - origin[i]);
    gram[r * S + first + t] = sum;
    gram[(first + t) * S + r] = sum;
  }
}
