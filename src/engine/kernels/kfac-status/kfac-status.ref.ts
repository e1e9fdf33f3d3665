// float64 reference of K-FAC's non-finite check: the status words (matrix + 1, step + 1) of the
// first matrix, in table order, that holds an infinite or NaN value, kept once set.
import type { StatusEntry } from './kfac-status-layout';

/** Updates `status` in place as the GPU's two passes do; returns it. */
export function kfacStatus(status: Uint32Array, values: ArrayLike<number>, entries: readonly StatusEntry[], step: number): Uint32Array {
  if (status[0] !== 0) return status;
  for (let f = 0; f < entries.length; f++) {
    const { offset, count } = entries[f];
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(values[offset + i])) {
        status[0] = f + 1;
        status[1] = step + 1;
        return status;
      }
    }
  }
  return status;
}
