import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/run-config';
import { timeFirstStep } from '../bench/first-step-bench';
import { createGpuContext } from '../gpu/context';

// A small session shaped like the page's default: two runs, the landscape on.
const config = parseRunConfig({
  model: 'cnn-small',
  batch_size: 4,
  steps: 10,
  seed: 1,
  log_every: 5,
  data: { source: 'synthetic', train_size: 64, test_size: 16, augment: 'none' },
  runs: [
    { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-4, tcov: 10 } },
    { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
  ],
  landscape: { grid: 3, eval_size: 8 },
});

describe('time to the first step', () => {
  it('breaks down into parts that add up to the measured whole within 10 %, and compiles nothing the second time', async () => {
    // A device of its own: the first session must find nothing compiled.
    const ctx = await createGpuContext();
    try {
      const cold = await timeFirstStep(ctx, config);
      const warm = await timeFirstStep(ctx, config);
      for (const breakdown of [cold, warm]) {
        const parts = breakdown.data_ms + breakdown.build_ms + breakdown.pipelines_ms + breakdown.submit_ms + breakdown.readback_ms;
        expect(Math.abs(parts - breakdown.first_step_ms)).toBeLessThanOrEqual(0.1 * breakdown.first_step_ms);
        expect(breakdown.readback_ms).toBeGreaterThan(0);
      }
      // The second session's data may go by while the first's background compile (the landscape's plane) still runs: it counts as pipelines.
      expect(cold.data_ms).toBeGreaterThan(0);
      expect(warm.data_ms).toBeGreaterThanOrEqual(0);
      expect(cold.pipelines_compiled).toBeGreaterThan(0);
      expect(cold.pipelines_ms).toBeGreaterThan(0);
      expect(warm.pipelines_compiled).toBe(0);
    } finally {
      ctx.destroy();
    }
  });
});
