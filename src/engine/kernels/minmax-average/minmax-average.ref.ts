// float64 reference of the min-max normalised running average of whole factors
// (minmax-average.ts is the GPU launcher): D <- keep * D + add * (v - min v) / (max v - min v + 1e-12)
// with one min and one max over each whole vector v (a full n x n factor is one vector of n² values).

import type { FlatVector } from './minmax-average-shape';

export type { FlatVector } from './minmax-average-shape';

/** The eps added to the range, as the seed's analysis and AdaFisher's first releases have it. */
export const MINMAX_EPS = 1e-12;

/** D <- keep * D + add * minmax(raw) for each vector, in place in `factors` (same offsets in `raw`). */
export function minMaxAverage(factors: Float64Array, raw: ArrayLike<number>, vectors: readonly FlatVector[], keep: number, add: number): Float64Array {
  if (raw.length !== factors.length) throw new Error(`minMaxAverage: raw has ${raw.length} values, factors ${factors.length}`);
  for (const { offset, length } of vectors) {
    if (length < 1 || offset + length > factors.length)
      throw new Error(`minMaxAverage: the vector (${offset}, ${length}) is empty or ends past ${factors.length} values`);
    let low = Infinity;
    let high = -Infinity;
    for (let i = offset; i < offset + length; i++) {
      low = Math.min(low, raw[i]);
      high = Math.max(high, raw[i]);
    }
    const range = high - low + MINMAX_EPS;
    for (let i = offset; i < offset + length; i++) factors[i] = keep * factors[i] + (add * (raw[i] - low)) / range;
  }
  return factors;
}
