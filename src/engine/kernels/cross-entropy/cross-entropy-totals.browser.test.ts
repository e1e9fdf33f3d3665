import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './cross-entropy';
import { IGNORE_TARGET } from './cross-entropy-labels';
import * as ref from './cross-entropy.ref';

// A float32 sum of up to 300 losses in [0, 3) and exact small counts: atol 1e-4, rtol 1e-5.
const TOLERANCE = { atol: 1e-4, rtol: 1e-5 };

/** Labels with every fourth row (from the second) ignored and every third labelled with its arg-max. */
function labelsFor(rng: ReturnType<typeof createRng>, logits: Float64Array, B: number, K: number): number[] {
  return Array.from({ length: B }, (_, b) => {
    if (b % 4 === 1) return IGNORE_TARGET;
    return b % 3 === 0 ? ref.argMax(logits, b, K) : rng.int(K);
  });
}

describe('crossEntropyTotals on the GPU', () => {
  // Full batches, short last batches (padding rows), one row, more rows than the reduction's
  // workgroup, a validRows above B (capped), and vocabulary-sized rows; all with ignored rows.
  const shapes = [
    [7, 10, 7],
    [7, 10, 3],
    [1, 10, 1],
    [300, 10, 257],
    [7, 10, 9],
    [300, 1000, 123],
    [7, 33278, 5],
  ] as const;
  for (const [B, K, validRows] of shapes) {
    for (const accumulate of [true, false]) {
      const mode = accumulate ? 'accumulates' : 'overwrites';
      it(`${mode} B=${B} K=${K} rows=${validRows} over two batches`, async () => {
        const ctx = await testContext();
        const rng = createRng(B * 31 + validRows + K);
        const losses = asFloat32Values(randomArray(rng, B, 0, 3));
        const logits = asFloat32Values(randomArray(rng, B * K, -2, 2));
        const labels = labelsFor(rng, logits, B, K);
        const initial = [0.5, 1, 2];
        const totals = upload(ctx, 'totals', initial);
        const tLosses = upload(ctx, 'losses', losses);
        const tLogits = upload(ctx, 'logits', logits, [B, K]);
        const tLabels = upload(ctx, 'labels', labels, [B], 'u32');
        const tRows = upload(ctx, 'rows', [validRows], [1], 'u32');
        await runPlan(ctx, 'totals', (plan) => {
          // The default must accumulate: the evaluation pass relies on it.
          const options = accumulate ? undefined : { accumulate: false };
          gpu.crossEntropyTotals(plan, totals, tLosses, tLogits, tLabels, tRows, B, K, options);
          gpu.crossEntropyTotals(plan, totals, tLosses, tLogits, tLabels, tRows, B, K, options);
        });
        // Overwriting leaves one batch's totals, whatever the buffer held: the reference on zeros.
        const expected = accumulate ? Float64Array.from(initial) : new Float64Array(3);
        ref.crossEntropyTotals(expected, losses, logits, labels, validRows, B, K);
        if (accumulate) ref.crossEntropyTotals(expected, losses, logits, labels, validRows, B, K);
        const got = await download(ctx, totals);
        const result = compareArrays(got.subarray(0, 1), expected.subarray(0, 1), TOLERANCE, 'loss sum');
        expect(result.ok, result.report).toBe(true);
        expect([got[1], got[2]]).toEqual([expected[1], expected[2]]);
        // The counted rows are the non-ignored ones among the first validRows, not validRows itself.
        const counted = labels.slice(0, Math.min(validRows, B)).filter((label) => label !== IGNORE_TARGET).length;
        expect(expected[2]).toBe(accumulate ? initial[2] + 2 * counted : counted);
        ctx.pool.releaseOwner('test');
      });
    }
  }

  it('takes the first maximum on ties across lanes, and index 0 for a row of -inf', async () => {
    const ctx = await testContext();
    // K = 1000 runs 256 lanes, each scanning k = lane, lane + 256, ...; K = 10 runs 32 lanes, 22 of them empty.
    for (const K of [1000, 10]) {
      const ties: [number, number][] =
        K === 1000
          ? [
              [255, 256],
              [0, 999],
              [3, 259],
              [511, 512],
              [300, 44],
            ]
          : [
              [0, 9],
              [4, 5],
              [8, 9],
              [1, 2],
              [7, 3],
            ];
      // One row per tie, labelled with the first maximum, so any other pick lowers the count.
      const B = ties.length + 2;
      const logits = new Float64Array(B * K).fill(-1);
      const labels: number[] = [];
      ties.forEach(([x, y], b) => {
        logits[b * K + x] = 2;
        logits[b * K + y] = 2;
        labels.push(Math.min(x, y));
      });
      // All -inf, then all equal: the first class both times.
      logits.fill(-Infinity, (B - 2) * K, (B - 1) * K);
      labels.push(0, 0);
      const losses = new Float64Array(B).fill(0.25);
      const expected = new Float64Array(3);
      ref.crossEntropyTotals(expected, losses, logits, labels, B, B, K);
      expect(Array.from(expected)).toEqual([0.25 * B, B, B]);
      const totals = upload(ctx, 'totals', [7, 7, 7]);
      await runPlan(ctx, 'totals_ties', (plan) => {
        const tLogits = upload(ctx, 'logits', logits, [B, K]);
        const tLabels = upload(ctx, 'labels', labels, [B], 'u32');
        const tRows = upload(ctx, 'rows', [B], [1], 'u32');
        gpu.crossEntropyTotals(plan, totals, upload(ctx, 'losses', losses), tLogits, tLabels, tRows, B, K, { accumulate: false });
      });
      expect(Array.from(await download(ctx, totals))).toEqual(Array.from(expected));
    }
    ctx.pool.releaseOwner('test');
  });
});
