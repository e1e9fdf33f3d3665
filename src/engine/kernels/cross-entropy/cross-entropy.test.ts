import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { checkGradient } from '../../testing/finite-difference';
import { countCorrect, crossEntropyTotals, softmaxCrossEntropy, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './cross-entropy.ref';

describe('softmax cross-entropy reference', () => {
  it('matches a hand-computed batch', () => {
    // Row 0: logits [0, 0], label 0 -> p = [1/2, 1/2], loss ln 2.
    // Row 1: logits [ln 3, 0], label 1 -> p = [3/4, 1/4], loss -ln(1/4) = ln 4.
    // Mean = (ln 2 + ln 4) / 2 = 1.5 ln 2; dLogits = (p - onehot) / 2.
    const logits = Float64Array.of(0, 0, Math.log(3), 0);
    const losses = new Float64Array(2);
    const probs = new Float64Array(4);
    const mean = softmaxCrossEntropyForward(losses, probs, logits, [0, 1], 2, 2);
    expect(mean).toBeCloseTo(1.5 * Math.LN2, 14);
    expect(losses[0]).toBeCloseTo(Math.LN2, 14);
    expect(losses[1]).toBeCloseTo(2 * Math.LN2, 14);
    const expectedProbs = [0.5, 0.5, 0.75, 0.25];
    expectedProbs.forEach((p, i) => expect(probs[i]).toBeCloseTo(p, 14));
    const dLogits = new Float64Array(4);
    softmaxCrossEntropyBackward(dLogits, probs, Uint32Array.of(0, 1), 2, 2);
    [-0.25, 0.25, 0.375, -0.375].forEach((g, i) => expect(dLogits[i]).toBeCloseTo(g, 14));
  });

  it('gives zero loss and zero gradient for a single class', () => {
    const losses = Float64Array.of(7);
    const probs = new Float64Array(1);
    expect(softmaxCrossEntropyForward(losses, probs, Float64Array.of(12.5), [0], 1, 1)).toBe(0);
    const dLogits = new Float64Array(1);
    softmaxCrossEntropyBackward(dLogits, probs, [0], 1, 1);
    expect(dLogits[0]).toBe(0);
  });

  for (const [B, K] of [[1, 5], [4, 3], [3, 7]]) {
    it(`dLogits matches central finite differences of the mean loss, B=${B} K=${K}`, () => {
      const rng = createRng(100 * B + K);
      const logits = randomArray(rng, B * K, -3, 3);
      const labels = Array.from({ length: B }, () => rng.int(K));
      const losses = new Float64Array(B);
      const probs = new Float64Array(B * K);
      softmaxCrossEntropyForward(losses, probs, logits, labels, B, K);
      const dLogits = new Float64Array(B * K);
      softmaxCrossEntropyBackward(dLogits, probs, labels, B, K);
      const loss = () => softmaxCrossEntropyForward(losses, probs, logits, labels, B, K);
      const result = checkGradient('dLogits', dLogits, loss, logits);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const probs = Float64Array.of(0.5, 0.5);
    const dLogits = Float64Array.of(1, 2);
    softmaxCrossEntropyBackward(dLogits, probs, [1], 1, 2);
    expect(Array.from(dLogits)).toEqual([1.5, 1.5]);
  });

  it('stays finite and shift-invariant with huge logits', () => {
    const base = Float64Array.of(0, 1, -1, 0.5, -2, 3);
    const labels = [2, 0];
    const reference = new Float64Array(2);
    const referenceProbs = new Float64Array(6);
    const referenceMean = softmaxCrossEntropyForward(reference, referenceProbs, base, labels, 2, 3);
    for (const shift of [1000, -1000, 1e5]) {
      const losses = new Float64Array(2);
      const probs = new Float64Array(6);
      const mean = softmaxCrossEntropyForward(losses, probs, base.map((v) => v + shift), labels, 2, 3);
      expect(Number.isFinite(mean)).toBe(true);
      expect(mean).toBeCloseTo(referenceMean, 9);
      for (let i = 0; i < 6; i++) expect(probs[i]).toBeCloseTo(referenceProbs[i], 9);
    }
    // A gap of 2000 between logits: the winning class has loss ~0, the losing one ~2000.
    const losses = new Float64Array(2);
    softmaxCrossEntropyForward(losses, new Float64Array(4), Float64Array.of(1000, -1000, 1000, -1000), [0, 1], 2, 2);
    expect(losses[0]).toBe(0);
    expect(losses[1]).toBe(2000);
  });

  it('counts the first maximum on ties as the prediction', () => {
    const logits = Float64Array.of(
      1, 3, 3, // tie between 1 and 2, label 1 -> correct
      1, 3, 3, // same row, label 2 -> wrong (torch.argmax picks 1)
      0, 0, 0, // all equal, label 0 -> correct
      0, 0, 0, // all equal, label 2 -> wrong
      -5, -1, -9, // clear maximum 1, label 1 -> correct
    );
    expect(countCorrect(logits, [1, 2, 0, 2, 1], 5, 3)).toBe(3);
    // Rows 1 and 3 predict 1 and 0 respectively: the first maximum again.
    expect(countCorrect(logits, [2, 1, 1, 0, 0], 5, 3)).toBe(2);
  });

  it('combines into the fused entry points the GPU mirrors', () => {
    const logits = Float64Array.of(0, 0, Math.log(3), 0);
    const losses = new Float64Array(2);
    const dLogits = Float64Array.of(1, 1, 1, 1);
    const mean = softmaxCrossEntropy(losses, dLogits, logits, [0, 1], 2, 2);
    expect(mean).toBeCloseTo(1.5 * Math.LN2, 14);
    [0.75, 1.25, 1.375, 0.625].forEach((g, i) => expect(dLogits[i]).toBeCloseTo(g, 14));
    // Zeroed totals give a training step's metrics: loss sum ln 2 + ln 4 = 3 ln 2 over 2 rows.
    const totals = new Float64Array(3);
    crossEntropyTotals(totals, losses, logits, [0, 1], 2, 2, 2);
    expect(totals[0]).toBeCloseTo(3 * Math.LN2, 14);
    expect(totals[0] / totals[2]).toBeCloseTo(1.5 * Math.LN2, 14);
    expect(totals[1]).toBe(1); // row 0 ties and picks 0 (correct); row 1 predicts 0, label 1
    expect(totals[2]).toBe(2);
  });

  it('rejects labels outside [0, K)', () => {
    expect(() => softmaxCrossEntropyForward(new Float64Array(1), new Float64Array(3), new Float64Array(3), [3], 1, 3)).toThrow(/label 3 of row 0/);
  });
});
