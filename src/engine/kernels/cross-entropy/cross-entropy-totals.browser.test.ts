import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './cross-entropy';
import * as ref from './cross-entropy.ref';

describe('crossEntropyTotals on the GPU', () => {
  // Full batches, a short last batch, one row, and more rows than the workgroup.
  for (const [B, K, validRows] of [[7, 10, 7], [7, 10, 3], [1, 10, 1], [300, 10, 257]] as const) {
    it(`accumulates B=${B} K=${K} rows=${validRows} over two batches`, async () => {
      const ctx = await testContext();
      const rng = createRng(B * 31 + validRows);
      const losses = asFloat32Values(randomArray(rng, B, 0, 3));
      const logits = asFloat32Values(randomArray(rng, B * K, -2, 2));
      const labels = Array.from({ length: B }, () => rng.int(K));
      const totals = upload(ctx, 'totals', [0.5, 1, 2]);
      const tLosses = upload(ctx, 'losses', losses);
      const tLogits = upload(ctx, 'logits', logits, [B, K]);
      const tLabels = upload(ctx, 'labels', labels, [B], 'u32');
      const tRows = upload(ctx, 'rows', [validRows], [1], 'u32');
      await runPlan(ctx, 'totals', (plan) => {
        gpu.crossEntropyTotals(plan, totals, tLosses, tLogits, tLabels, tRows, B, K);
        gpu.crossEntropyTotals(plan, totals, tLosses, tLogits, tLabels, tRows, B, K);
      });
      const expected = Float64Array.of(0.5, 1, 2);
      ref.crossEntropyTotals(expected, losses, logits, labels, validRows, B, K);
      ref.crossEntropyTotals(expected, losses, logits, labels, validRows, B, K);
      const result = compareArrays(await download(ctx, totals), expected, { atol: 1e-4, rtol: 1e-5 }, 'totals');
      expect(result.ok, result.report).toBe(true);
      ctx.pool.releaseOwner('test');
    });
  }
});
