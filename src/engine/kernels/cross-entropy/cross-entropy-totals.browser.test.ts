import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './cross-entropy';
import * as ref from './cross-entropy.ref';

// A float32 sum of up to 300 losses in [0, 3) and exact small counts: atol 1e-4, rtol 1e-5.
const TOLERANCE = { atol: 1e-4, rtol: 1e-5 };

describe('crossEntropyTotals on the GPU', () => {
  // Full batches, a short last batch, one row, and more rows than the workgroup.
  for (const [B, K, validRows] of [[7, 10, 7], [7, 10, 3], [1, 10, 1], [300, 10, 257]] as const) {
    for (const accumulate of [true, false]) {
      const mode = accumulate ? 'accumulates' : 'overwrites';
      it(`${mode} B=${B} K=${K} rows=${validRows} over two batches`, async () => {
        const ctx = await testContext();
        const rng = createRng(B * 31 + validRows);
        const losses = asFloat32Values(randomArray(rng, B, 0, 3));
        const logits = asFloat32Values(randomArray(rng, B * K, -2, 2));
        const labels = Array.from({ length: B }, () => rng.int(K));
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
        const result = compareArrays(await download(ctx, totals), expected, TOLERANCE, 'totals');
        expect(result.ok, result.report).toBe(true);
        ctx.pool.releaseOwner('test');
      });
    }
  }
});
