// float64 reference for softmax cross-entropy averaged over the batch (PyTorch
// F.cross_entropy, reduction 'mean'). Backward functions accumulate (+=), llm.c style.

export type Labels = Uint32Array | readonly number[];

function checkLabel(labels: Labels, b: number, K: number): number {
  const label = labels[b];
  if (!(Number.isInteger(label) && label >= 0 && label < K)) {
    throw new Error(`cross_entropy: label ${label} of row ${b} is outside [0, ${K})`);
  }
  return label;
}

/**
 * losses[b] = logsumexp(logits_b) - logits_b[label_b] and probs = softmax(logits_b), both
 * with the row max subtracted so large logits do not overflow; returns sum_b losses[b] / B.
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
    losses[b] = Math.log(sum) + max - logits[row + label];
    total += losses[b];
  }
  return total / B;
}

/** dLogits += (probs - onehot(labels)) / B: the gradient of the mean loss. */
export function softmaxCrossEntropyBackward(dLogits: Float64Array, probs: Float64Array, labels: Labels, B: number, K: number): void {
  for (let b = 0; b < B; b++) {
    const label = checkLabel(labels, b, K);
    for (let k = 0; k < K; k++) dLogits[b * K + k] += (probs[b * K + k] - (k === label ? 1 : 0)) / B;
  }
}

/** Rows whose arg-max (the first maximum on ties, as torch.argmax) equals the label. */
export function countCorrect(logits: Float64Array, labels: Labels, B: number, K: number): number {
  let correct = 0;
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[b * K + k] > logits[b * K + best]) best = k;
    if (best === labels[b]) correct++;
  }
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
 * The GPU's `crossEntropyTotals` in its default, accumulating mode: totals += [sum of the first
 * validRows losses, correct rows among them, validRows]. Its overwrite mode equals this applied
 * to zeroed totals.
 */
export function crossEntropyTotals(totals: Float64Array, losses: Float64Array, logits: Float64Array, labels: Labels, validRows: number, B: number, K: number): void {
  const rows = Math.min(validRows, B);
  for (let b = 0; b < rows; b++) totals[0] += losses[b];
  totals[1] += countCorrect(logits.subarray(0, rows * K), Array.from(labels).slice(0, rows), rows, K);
  totals[2] += rows;
}
