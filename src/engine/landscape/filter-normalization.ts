// Li et al. (2018)'s filter normalisation of a random direction: each filter of the direction
// (one slice along a tensor's first dimension: a convolution's [Cin, kh, kw], a Linear's row) is
// rescaled to the Frobenius norm of the same filter of the centre weights,
//   d_f ← d_f · ‖θ_f‖ / (‖d_f‖ + 1e-10),
// so a step along it changes every filter in proportion to its own size; tensors with one
// dimension (biases, normalisation weights) get 0, as their "biasbn" option does.

/** Added to a direction filter's norm, as in their code, so an all-zero filter stays zero. */
const NORM_EPSILON = 1e-10;

export interface DirectionTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The filter-normalised copy of `direction`, tensor by tensor, against the centre weights. */
export function filterNormalized(
  tensors: readonly DirectionTensor[],
  direction: ReadonlyMap<string, ArrayLike<number>>,
  center: ReadonlyMap<string, ArrayLike<number>>,
): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const { name, shape } of tensors) {
    const d = direction.get(name);
    const c = center.get(name);
    if (!d || !c) throw new Error(`Filter normalisation: no ${d ? 'centre' : 'direction'} values for "${name}"`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (d.length !== size || c.length !== size) throw new Error(`Filter normalisation: "${name}" has ${d.length} and ${c.length} values, expected ${size}`);
    const normalized = new Float64Array(size);
    if (shape.length > 1) {
      const filterSize = size / shape[0];
      for (let f = 0; f < shape[0]; f++) {
        const start = f * filterSize;
        const scale = norm(c, start, filterSize) / (norm(d, start, filterSize) + NORM_EPSILON);
        for (let i = start; i < start + filterSize; i++) normalized[i] = d[i] * scale;
      }
    }
    out.set(name, normalized);
  }
  return out;
}

function norm(values: ArrayLike<number>, start: number, length: number): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}
