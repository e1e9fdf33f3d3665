import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './cross-entropy';
import { IGNORE_TARGET } from './cross-entropy-labels';
import * as ref from './cross-entropy.ref';

// Losses are a log of a K-term float32 sum plus a difference of logits: atol 1e-5, rtol 1e-4.
// dLogits are (p - onehot) / B: float32 rounds a probability near 1 by ~6e-8 before 1 is taken
// off, so atol 1e-7 / B; relative to the value, rtol 1e-4 (exp is accurate to a few ulp). The
// atol shrinks with B so that it stays far below the ~1 / (B K) gradients of K = 33278 rows.
const LOSS_TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const gradTolerance = (B: number) => ({ atol: 1e-7 / B, rtol: 1e-4 });

interface Case {
  B: number;
  K: number;
  /** Builds float64 logits (rounded to float32 by the test) and labels. */
  make: (B: number, K: number) => { logits: Float64Array; labels: number[]; expectedCorrect?: number };
}

/**
 * Uniform logits in [low, high]; every fifth row (from the third) is ignored, and every other
 * remaining row is labelled with its own arg-max, so the correct count is not a near-zero
 * accident of a large K.
 */
function randomCase(seed: number, low: number, high: number, ignoreEvery = 5): Case['make'] {
  return (B, K) => {
    const rng = createRng(seed);
    const logits = randomArray(rng, B * K, low, high);
    const rounded = asFloat32Values(logits);
    const labels = Array.from({ length: B }, (_, b) => {
      if (b % ignoreEvery === 2) return IGNORE_TARGET;
      return b % 2 === 0 ? ref.argMax(rounded, b, K) : rng.int(K);
    });
    return { logits, labels };
  };
}

/** Every row ignored: losses, gradients and totals all zero. */
function allIgnored(B: number, K: number): ReturnType<Case['make']> {
  return { logits: randomArray(createRng(9), B * K, -3, 3), labels: new Array<number>(B).fill(IGNORE_TARGET) };
}

/** Small integer logits with the maximum tied at two places; even rows label the first, odd rows the second. */
function tiedCase(B: number, K: number): ReturnType<Case['make']> {
  const rng = createRng(77);
  const logits = new Float64Array(B * K);
  const labels: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) logits[b * K + k] = rng.int(5) - 2;
    const first = rng.int(K - 1);
    const second = first + 1 + rng.int(K - 1 - first);
    logits[b * K + first] = 3;
    logits[b * K + second] = 3;
    labels.push(b % 2 === 0 ? first : second);
  }
  return { logits, labels, expectedCorrect: Math.ceil(B / 2) };
}

// The task's grid, K in {2, 10, 1000, 33278} by N in {1, 7, 300} with N*K <= ~3e6 (so K = 33278
// takes N = 1 and 7, plus N = 64 as a WikiText-2 sized chunk of a batch), then special cases.
const grid: [string, Case][] = [2, 10, 1000, 33278].flatMap((K) =>
  [1, 7, 300, 64]
    .filter((B) => (K === 33278 ? B !== 300 : B !== 64))
    .map((B): [string, Case] => ['random, every fifth row ignored', { B, K, make: randomCase(B * 7 + K, -5, 5) }]),
);

const cases: [string, Case][] = [
  ...grid,
  ['single row, single class', { B: 1, K: 1, make: randomCase(1, -1, 1) }],
  ['single ignored row', { B: 1, K: 1000, make: allIgnored }],
  ['every row ignored', { B: 7, K: 33278, make: allIgnored }],
  ['tied maxima', { B: 7, K: 10, make: tiedCase }],
  ['tied maxima in long rows', { B: 9, K: 1000, make: tiedCase }],
  // exp(100) overflows float32, so this fails unless the row max is subtracted.
  ['wide logits in [-100, 100]', { B: 33, K: 10, make: randomCase(4, -100, 100) }],
  // More rows than one dispatch dimension holds (65535 workgroups): the 2-D grid.
  ['rows past one grid dimension', { B: 65543, K: 2, make: randomCase(8, -3, 3, 7) }],
];

describe('softmax cross-entropy on the GPU', () => {
  for (const [name, { B, K, make }] of cases) {
    it(`losses, dLogits and overwritten totals match the reference: ${name}, B=${B} K=${K}`, async () => {
      const GRAD_TOLERANCE = gradTolerance(B);
      const ctx = await testContext();
      const made = make(B, K);
      const logits = asFloat32Values(made.logits);
      const labels = Uint32Array.from(made.labels);
      const tLogits = upload(ctx, 'logits', logits, [B, K]);
      const tLabels = upload(ctx, 'labels', labels, [B], 'u32');
      // Garbage in the outputs checks that all three overwrite.
      const tLosses = upload(ctx, 'losses', new Float32Array(B).fill(123), [B]);
      const tDLogits = upload(ctx, 'dLogits', new Float32Array(B * K).fill(123), [B, K]);
      const tTotals = upload(ctx, 'totals', Float32Array.of(123, 123, 123), [3]);
      const tRows = upload(ctx, 'rows', [B], [1], 'u32');
      await runPlan(ctx, 'cross_entropy', (plan) => {
        gpu.softmaxCrossEntropy(plan, tLosses, tDLogits, tLogits, tLabels, B, K);
        gpu.crossEntropyTotals(plan, tTotals, tLosses, tLogits, tLabels, tRows, B, K, { accumulate: false });
      });

      const losses = new Float64Array(B);
      const dLogits = new Float64Array(B * K);
      ref.softmaxCrossEntropy(losses, dLogits, logits, labels, B, K);
      const totals = new Float64Array(3);
      ref.crossEntropyTotals(totals, losses, logits, labels, B, B, K);

      const gotLosses = await download(ctx, tLosses);
      const gotDLogits = await download(ctx, tDLogits);
      const gotTotals = await download(ctx, tTotals);
      expect(gotLosses.every(Number.isFinite) && gotDLogits.every(Number.isFinite) && gotTotals.every(Number.isFinite)).toBe(true);
      for (const result of [
        compareArrays(gotLosses, losses, LOSS_TOLERANCE, 'losses'),
        compareArrays(gotDLogits, dLogits, GRAD_TOLERANCE, 'dLogits'),
        compareArrays(gotTotals.subarray(0, 1), totals.subarray(0, 1), LOSS_TOLERANCE, 'loss sum'),
      ]) {
        expect(result.ok, result.report).toBe(true);
      }
      expect(gotTotals[1]).toBe(totals[1]);
      const counted = made.labels.filter((label) => label !== IGNORE_TARGET).length;
      expect(gotTotals[2]).toBe(counted);
      expect(totals[2]).toBe(counted);
      if (counted > 0) {
        const mean = compareArrays([gotTotals[0] / gotTotals[2]], [totals[0] / counted], LOSS_TOLERANCE, 'mean loss over counted rows');
        expect(mean.ok, mean.report).toBe(true);
      }
      if (made.expectedCorrect !== undefined) expect(totals[1]).toBe(made.expectedCorrect);
      ctx.pool.releaseOwner('test');
    });
  }

  it('clamps a label >= K to K - 1 instead of reading out of bounds', async () => {
    const GRAD_TOLERANCE = gradTolerance(2);
    const ctx = await testContext();
    const B = 2;
    const K = 3;
    const logits = Float64Array.of(0.5, -1, 2, 1, 0, -0.5);
    const tLogits = upload(ctx, 'logits', logits, [B, K]);
    const tLabels = upload(ctx, 'labels', [0, 7], [B], 'u32');
    const tLosses = upload(ctx, 'losses', new Float32Array(B), [B]);
    const tDLogits = upload(ctx, 'dLogits', new Float32Array(B * K), [B, K]);
    const tTotals = upload(ctx, 'totals', new Float32Array(3), [3]);
    const tRows = upload(ctx, 'rows', [B], [1], 'u32');
    await runPlan(ctx, 'cross_entropy_clamp', (plan) => {
      gpu.softmaxCrossEntropy(plan, tLosses, tDLogits, tLogits, tLabels, B, K);
      gpu.crossEntropyTotals(plan, tTotals, tLosses, tLogits, tLabels, tRows, B, K, { accumulate: false });
    });
    const losses = new Float64Array(B);
    const dLogits = new Float64Array(B * K);
    ref.softmaxCrossEntropy(losses, dLogits, logits, [0, K - 1], B, K);
    for (const result of [
      compareArrays(await download(ctx, tLosses), losses, LOSS_TOLERANCE, 'losses'),
      compareArrays(await download(ctx, tDLogits), dLogits, GRAD_TOLERANCE, 'dLogits'),
    ]) {
      expect(result.ok, result.report).toBe(true);
    }
    // Row 0 predicts 2 (label 0), row 1 predicts 0 (label 7): none correct.
    expect((await download(ctx, tTotals))[1]).toBe(0);
    ctx.pool.releaseOwner('test');
  });

  it('launchers reject tensors of the wrong size, dtype or buffer', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'cross_entropy_validation', 'test');
    const logits = upload(ctx, 'logits', new Float32Array(6), [2, 3]);
    const labels = upload(ctx, 'labels', [0, 1], [2], 'u32');
    const floatLabels = upload(ctx, 'floatLabels', [0, 1], [2]);
    const losses = upload(ctx, 'losses', new Float32Array(2), [2]);
    const dLogits = upload(ctx, 'dLogits', new Float32Array(6), [2, 3]);
    const totals = upload(ctx, 'totals', new Float32Array(3), [3]);
    const rows = upload(ctx, 'rows', [2], [1], 'u32');
    const floatRows = upload(ctx, 'floatRows', [2], [1]);
    expect(() => gpu.softmaxCrossEntropy(plan, losses, dLogits, logits, labels, 2, 4)).toThrow(
      /softmax_cross_entropy: dLogits "dLogits" has 6 elements, expected 8/,
    );
    expect(() => gpu.softmaxCrossEntropy(plan, losses, dLogits, logits, floatLabels, 2, 3)).toThrow(/labels "floatLabels" has dtype f32, expected u32/);
    expect(() => gpu.softmaxCrossEntropy(plan, losses, logits, logits, labels, 2, 3)).toThrow(/dLogits "logits" and logits "logits" share a GPU buffer/);
    const overwrite = { accumulate: false };
    // B = 1, K = 3 so the 3-element totals pass the size check as logits and only aliasing fails.
    expect(() => gpu.crossEntropyTotals(plan, totals, floatRows, totals, rows, rows, 1, 3, overwrite)).toThrow(
      /cross_entropy_totals: totals "totals" and logits "totals" share a GPU buffer/,
    );
    expect(() => gpu.crossEntropyTotals(plan, totals, losses, logits, labels, rows, 3, 3, overwrite)).toThrow(
      /cross_entropy_totals: losses "losses" has 2 elements, expected 3/,
    );
    expect(() => gpu.crossEntropyTotals(plan, losses, losses, logits, labels, rows, 2, 3)).toThrow(
      /cross_entropy_totals: totals "losses" has 2 elements, expected 3/,
    );
    expect(() => gpu.crossEntropyTotals(plan, totals, losses, logits, labels, labels, 2, 3)).toThrow(
      /cross_entropy_totals: validRows "labels" has 2 elements, expected 1/,
    );
    expect(() => gpu.crossEntropyTotals(plan, totals, losses, logits, labels, floatRows, 2, 3)).toThrow(/validRows "floatRows" has dtype f32, expected u32/);
    expect(plan.dispatchCount).toBe(0);
    // A valid call: the loss is one dispatch; the totals two (per-row arg-max, then the sum over rows).
    gpu.softmaxCrossEntropy(plan, losses, dLogits, logits, labels, 2, 3);
    expect(plan.dispatchCount).toBe(1);
    gpu.crossEntropyTotals(plan, totals, losses, logits, labels, rows, 2, 3);
    expect(plan.dispatchCount).toBe(3);
    ctx.pool.releaseOwner('test');
  });
});
