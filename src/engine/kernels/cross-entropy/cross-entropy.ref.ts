// float64 reference for softmax cross-entropy averaged over the batch (PyTorch
// F.cross_entropy, reduction 'mean', with ignore_index = IGNORE_TARGET). Backward functions
// accumulate (+=), llm.c style.
import { IGNORE_TARGET } from './cross-entropy-labels';

export type Labels = Uint32Array | readonly number[];

/** The row's label, which is IGNORE_TARGET or a class in [0, K). */
function checkLabel(labels: Labels, b: number, K: number): number {
  const label = labels[b];
  if (label === IGNORE_TARGET) return label;
  if (!(Number.isInteger(label) && label >= 0 && label < K)) {
    throw new Error(`cross_entropy: label ${label} of row ${b} is outside [0, ${K}) and is not IGNORE_TARGET`);
  }
  return label;
}

/**
 * losses[b] = logsumexp(logits_b) - logits_b[label_b] (0 for an ignored row) and probs =
 * softmax(logits_b), both with the row max subtracted so large logits do not overflow; returns
 * sum_b losses[b] / B. The divisor is B, every row given, not the non-ignored count: training
 * batches never contain ignored targets, so this equals PyTorch's mean over non-ignored tokens
 * there, and the gradient scale stays fixed whatever a batch holds.
 */
export function softmaxCrossEntropyForward(losses: Float64Array, probs: Float64Array, logits: Float64Array, labels: Labels, B: number, K: number): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const label = checkLabel(labels, b, K);
    const row = b * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[row + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logits[row + k] - max);
      probs[row + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) probs[row + k] /= sum;
    losses[b] = label === IGNORE_TARGET ? 0 : Math.log(sum) + max - logits[row + label];
    total += losses[b];
  }
  return total / B;
}

/** dLogits += (probs - onehot(labels)) / B, the gradient of the mean loss; an ignored row adds 0. */
export function softmaxCrossEntropyBackward(dLogits: Float64Array, probs: Float64Array, labels: Labels, B: number, K: number): void {
  for (let b = 0; b < B; b++) {
    const label = checkLabel(labels, b, K);
    if (label === IGNORE_TARGET) continue;
    for (let k = 0; k < K; k++) dLogits[b * K + k] += (probs[b * K + k] - (k === label ? 1 : 0)) / B;
  }
}

/** The class with the largest logit in row b, the first one on ties (as torch.argmax). */
export function argMax(logits: Float64Array, b: number, K: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (logits[b * K + k] > logits[b * K + best]) best = k;
  return best;
}

/** Rows whose arg-max equals the label; an ignored row is never correct. */
export function countCorrect(logits: Float64Array, labels: Labels, B: number, K: number): number {
  let correct = 0;
  for (let b = 0; b < B; b++) if (checkLabel(labels, b, K) !== IGNORE_TARGET && argMax(logits, b, K) === labels[b]) correct++;
  return correct;
}

/** The GPU's fused `softmaxCrossEntropy`: per-row losses, and dLogits accumulated; returns the mean loss. */
export function softmaxCrossEntropy(losses: Float64Array, dLogits: Float64Array, logits: Float64Array, labels: Labels, B: number, K: number): number {
  const probs = new Float64Array(B * K);
  const mean = softmaxCrossEntropyForward(losses, probs, logits, labels, B, K);
  softmaxCrossEntropyBackward(dLogits, probs, labels, B, K);
  return mean;
}

/**
 * The GPU's `crossEntropyTotals` in its default, accumulating mode: over the first
 * min(validRows, B) rows (the rest is padding) that are not ignored, totals += [sum of their
 * losses, how many have the label as arg-max, how many there are]. totals[0] / totals[2] is then
 * PyTorch's mean over non-ignored tokens. Its overwrite mode equals this applied to zeroed totals.
 */
export function crossEntropyTotals(
  totals: Float64Array,
  losses: Float64Array,
  logits: Float64Array,
  labels: Labels,
  validRows: number,
  B: number,
  K: number,
): void {
  const rows = Math.min(validRows, B);
  for (let b = 0; b < rows; b++) {
    const label = checkLabel(labels, b, K);
    if (label === IGNORE_TARGET) continue;
    totals[0] += losses[b];
    if (argMax(logits, b, K) === label) totals[1] += 1;
    totals[2] += 1;
  }
}
