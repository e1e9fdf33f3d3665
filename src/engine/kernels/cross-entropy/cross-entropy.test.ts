import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { checkGradient } from '../../testing/finite-difference';
import { IGNORE_TARGET } from './cross-entropy-labels';
import { argMax, countCorrect, crossEntropyTotals, softmaxCrossEntropy, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './cross-entropy.ref';

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

  it('gives an ignored row loss 0 and a zero gradient, and still divides by every row', () => {
    // Rows 0 and 2 as rows 0 and 1 of the hand-computed batch; row 1 is ignored whatever its logits.
    // Mean = (ln 2 + 0 + ln 4) / 3 = ln 2; dLogits = (p - onehot) / 3 on rows 0 and 2.
    const logits = Float64Array.of(0, 0, 5, -3, Math.log(3), 0);
    const labels = [0, IGNORE_TARGET, 1];
    const losses = Float64Array.of(9, 9, 9);
    const probs = new Float64Array(6);
    expect(softmaxCrossEntropyForward(losses, probs, logits, labels, 3, 2)).toBeCloseTo(Math.LN2, 14);
    expect(losses[0]).toBeCloseTo(Math.LN2, 14);
    expect(losses[1]).toBe(0);
    expect(losses[2]).toBeCloseTo(2 * Math.LN2, 14);
    const dLogits = Float64Array.of(0, 0, 0.5, -0.5, 0, 0);
    softmaxCrossEntropyBackward(dLogits, probs, Uint32Array.from(labels), 3, 2);
    [-1 / 6, 1 / 6, 0.5, -0.5, 0.25, -0.25].forEach((g, i) => expect(dLogits[i]).toBeCloseTo(g, 14));
  });

  it('gives an all-ignored batch mean loss 0 and no gradient', () => {
    const losses = new Float64Array(2);
    const probs = new Float64Array(6);
    const logits = Float64Array.of(1, 2, 3, -4, 0, 4);
    expect(softmaxCrossEntropyForward(losses, probs, logits, [IGNORE_TARGET, IGNORE_TARGET], 2, 3)).toBe(0);
    const dLogits = new Float64Array(6);
    softmaxCrossEntropyBackward(dLogits, probs, [IGNORE_TARGET, IGNORE_TARGET], 2, 3);
    expect(Array.from(dLogits)).toEqual([0, 0, 0, 0, 0, 0]);
    const totals = Float64Array.of(1, 2, 3);
    crossEntropyTotals(totals, losses, logits, [IGNORE_TARGET, IGNORE_TARGET], 2, 2, 3);
    expect(Array.from(totals)).toEqual([1, 2, 3]);
  });

  // The last two configurations ignore rows (labels[b] = IGNORE_TARGET where `ignored` says so).
  for (const [B, K, ignored] of [
    [1, 5, []],
    [4, 3, []],
    [3, 7, []],
    [4, 3, [1, 3]],
    [5, 6, [0]],
  ] as [number, number, number[]][]) {
    it(`dLogits matches central finite differences of the mean loss, B=${B} K=${K} ignored rows [${ignored.join(', ')}]`, () => {
      const rng = createRng(100 * B + K);
      const logits = randomArray(rng, B * K, -3, 3);
      const labels = Array.from({ length: B }, (_, b) => (ignored.includes(b) ? IGNORE_TARGET : rng.int(K)));
      const losses = new Float64Array(B);
      const probs = new Float64Array(B * K);
      softmaxCrossEntropyForward(losses, probs, logits, labels, B, K);
      const dLogits = new Float64Array(B * K);
      softmaxCrossEntropyBackward(dLogits, probs, labels, B, K);
      const loss = () => softmaxCrossEntropyForward(losses, probs, logits, labels, B, K);
      const result = checkGradient('dLogits', dLogits, loss, logits);
      expect(result.ok, result.report).toBe(true);
      for (const b of ignored) expect(Array.from(dLogits.subarray(b * K, (b + 1) * K))).toEqual(new Array<number>(K).fill(0));
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
      const mean = softmaxCrossEntropyForward(
        losses,
        probs,
        base.map((v) => v + shift),
        labels,
        2,
        3,
      );
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
      1,
      3,
      3, // tie between 1 and 2, label 1 -> correct
      1,
      3,
      3, // same row, label 2 -> wrong (torch.argmax picks 1)
      0,
      0,
      0, // all equal, label 0 -> correct
      0,
      0,
      0, // all equal, label 2 -> wrong
      -5,
      -1,
      -9, // clear maximum 1, label 1 -> correct
    );
    expect(countCorrect(logits, [1, 2, 0, 2, 1], 5, 3)).toBe(3);
    // Rows 1 and 3 predict 1 and 0 respectively: the first maximum again.
    expect(countCorrect(logits, [2, 1, 1, 0, 0], 5, 3)).toBe(2);
  });

  it('finds the first maximum of long rows, wherever it lies', () => {
    const K = 1000;
    const logits = new Float64Array(3 * K).fill(-1);
    logits[999] = 2; // row 0: the maximum is the last class
    logits[K + 256] = 5; // row 1: tie between 256 and 700, and 255 just below
    logits[K + 700] = 5;
    logits[K + 255] = 4.999;
    logits.fill(-Infinity, 2 * K); // row 2: every class -inf, so the first one
    expect([0, 1, 2].map((b) => argMax(logits, b, K))).toEqual([999, 256, 0]);
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

  it('rejects labels outside [0, K) other than IGNORE_TARGET', () => {
    const forward = (label: number) => softmaxCrossEntropyForward(new Float64Array(1), new Float64Array(3), new Float64Array(3), [label], 1, 3);
    expect(() => forward(3)).toThrow(/label 3 of row 0 is outside \[0, 3\)/);
    expect(() => forward(-1)).toThrow(/label -1 of row 0/);
    expect(() => forward(IGNORE_TARGET - 1)).toThrow(/label 4294967294 of row 0/);
    expect(() => forward(1.5)).toThrow(/label 1.5 of row 0/);
    expect(forward(IGNORE_TARGET)).toBe(0);
    expect(() => softmaxCrossEntropyBackward(new Float64Array(3), new Float64Array(3), [0, 3], 2, 3)).toThrow(/label 3 of row 1/);
    expect(() => crossEntropyTotals(new Float64Array(3), new Float64Array(2), new Float64Array(6), [0, 5], 2, 2, 3)).toThrow(/label 5 of row 1/);
  });
});
