// The float64 twin of the label-sampling kernel: the same Philox uniforms, the same inverse CDF
// in float64. The GPU sums the exponentials in float32, so when u_b lies within about 1e-6
// (relative) of a boundary of the cumulative sum, the two can pick neighbouring classes; away
// from such near-ties they pick the same label.
import { IGNORE_TARGET } from '../cross-entropy/cross-entropy-labels';
import { philoxUniform } from '../philox/philox.ref';

/**
 * out[b] = the smallest k with u[b] · S_b < Σ_{j ≤ k} e_j, e_j = exp(logits[b, j] − max_b),
 * S_b = Σ_j e_j; a row labelled IGNORE_TARGET keeps it. If rounding leaves u · S at or past the
 * last partial sum, the last class with e_k > 0 (0 if the logits are not finite).
 */
export function sampleLabelsFromUniforms(logits: ArrayLike<number>, labels: ArrayLike<number>, uniforms: ArrayLike<number>, B: number, K: number): Uint32Array {
  const out = new Uint32Array(B);
  const e = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    if (labels[b] === IGNORE_TARGET) {
      out[b] = IGNORE_TARGET;
      continue;
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[b * K + k]);
    let total = 0;
    for (let k = 0; k < K; k++) total += e[k] = Math.exp(logits[b * K + k] - max);
    const t = uniforms[b] * total;
    let label = -1;
    let lastPositive = 0;
    let acc = 0;
    for (let k = 0; k < K; k++) {
      if (e[k] > 0) lastPositive = k;
      acc += e[k];
      if (t < acc) {
        label = k;
        break;
      }
    }
    out[b] = label >= 0 ? label : Number.isFinite(total) ? lastPositive : 0;
  }
  return out;
}

/** What the GPU's sampleLabels writes: the uniforms of philoxUniform(B, seed, stream, step). */
export function sampleLabels(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  B: number,
  K: number,
  seed: number,
  stream: number,
  step: number,
): Uint32Array {
  return sampleLabelsFromUniforms(logits, labels, philoxUniform(B, seed, stream, step), B, K);
}

/**
 * Per row, how close u_b comes to a boundary of the cumulative distribution (|u_b − CDF_k| for
 * k < K − 1), Infinity for an ignored row or one class: below about 1e-6 the float32 kernel may
 * pick the class on the other side of that boundary.
 */
export function boundaryDistances(logits: ArrayLike<number>, labels: ArrayLike<number>, uniforms: ArrayLike<number>, B: number, K: number): Float64Array {
  const distances = new Float64Array(B).fill(Infinity);
  for (let b = 0; b < B; b++) {
    if (labels[b] === IGNORE_TARGET) continue;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[b * K + k]);
    const e = Array.from({ length: K }, (_, k) => Math.exp(logits[b * K + k] - max));
    const total = e.reduce((a, c) => a + c, 0);
    let acc = 0;
    for (let k = 0; k < K - 1; k++) {
      acc += e[k];
      distances[b] = Math.min(distances[b], Math.abs(uniforms[b] - acc / total));
    }
  }
  return distances;
}
