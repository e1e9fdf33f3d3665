// float64 references for the plane kernels, with the slot given as a number (the GPU reads it
// from a u32 tensor). Like the shaders, a zero coefficient skips its row and a slot ≥ capacity
// writes nothing.

/** out[i] (+)= Σ_t coefficients[t] · (snapshots[t·P + i] − origin[i]). */
export function combineRows(
  out: Float64Array,
  snapshots: Float64Array,
  origin: Float64Array,
  coefficients: ArrayLike<number>,
  P: number,
  capacity: number,
  options: { accumulate: boolean },
): void {
  if (!options.accumulate) out.fill(0, 0, P);
  for (let t = 0; t < capacity; t++) {
    const c = coefficients[t];
    if (c === 0) continue;
    for (let i = 0; i < P; i++) out[i] += c * (snapshots[t * P + i] - origin[i]);
  }
}

/** out[i] = base[slot·P + i] + coords[0]·dirX[i] + coords[1]·dirY[i]. */
export function perturb(
  out: Float64Array,
  base: Float64Array,
  slot: number,
  dirX: Float64Array,
  dirY: Float64Array,
  coords: ArrayLike<number>,
  P: number,
  capacity: number,
): void {
  if (slot >= capacity) return;
  for (let i = 0; i < P; i++) out[i] = base[slot * P + i] + coords[0] * dirX[i] + coords[1] * dirY[i];
}

/** out[3t .. 3t + 2] = ⟨s_t − c, dirX⟩, ⟨s_t − c, dirY⟩, ‖s_t − c‖² with s_t = snapshots[t·P ..], c = center. */
export function projectRows(
  out: Float64Array,
  snapshots: Float64Array,
  center: Float64Array,
  dirX: Float64Array,
  dirY: Float64Array,
  P: number,
  capacity: number,
): void {
  for (let t = 0; t < capacity; t++) {
    let x = 0;
    let y = 0;
    let squared = 0;
    for (let i = 0; i < P; i++) {
      const d = snapshots[t * P + i] - center[i];
      x += d * dirX[i];
      y += d * dirY[i];
      squared += d * d;
    }
    out[3 * t] = x;
    out[3 * t + 1] = y;
    out[3 * t + 2] = squared;
  }
}
