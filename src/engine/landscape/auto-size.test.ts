import { describe, expect, it } from 'vitest';
import { chooseSizes, COARSE_SECONDS, FULL_GRID_SECONDS } from './auto-size';
import { coarseLevelSize } from './grid';

describe('chooseSizes', () => {
  const request = { grid: 'auto' as const, evalSize: 'auto' as const, maxEvalSize: 5000, share: 0.2 };

  it('keeps the defaults (21 x 21 at 512 examples) on a fast adapter', () => {
    const choice = chooseSizes(request, { stepMs: 3, batch: 64 });
    expect([choice.grid, choice.evalSize]).toEqual([21, 512]);
    expect(choice.reason).toMatch(/21 x 21 at 512 examples/);
  });

  it('shrinks the evaluation set and then the grid on a slow adapter, within the time targets', () => {
    // cnn-small on a software adapter: about 440 ms for a step of 32 images.
    const speed = { stepMs: 440, batch: 32 };
    const choice = chooseSizes(request, speed);
    const pointSeconds = (choice.evalSize * speed.stepMs) / (3 * speed.batch) / 1000;
    expect(choice.evalSize).toBeLessThan(512);
    // The landscape works share / (1 + share) of the wall time while training.
    const rate = request.share / (1 + request.share);
    expect(coarseLevelSize(21) * pointSeconds).toBeLessThanOrEqual(COARSE_SECONDS * rate * 1.0001);
    expect(choice.grid * choice.grid * pointSeconds).toBeLessThanOrEqual(FULL_GRID_SECONDS * rate);
    expect(choice.reason).toMatch(/chosen so the first coarse picture/);
  });

  it('keeps what was set by hand, and never more examples than the data has', () => {
    expect(chooseSizes({ ...request, grid: 51, evalSize: 64 }, { stepMs: 500, batch: 8 })).toMatchObject({ grid: 51, evalSize: 64 });
    expect(chooseSizes({ ...request, maxEvalSize: 150 }, { stepMs: 1, batch: 10 }).evalSize).toBe(150);
  });
});
