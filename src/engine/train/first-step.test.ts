import { describe, expect, it } from 'vitest';
import { breakdownCoverage, FirstStepClock } from './first-step';

/** A cache whose waits and compiles the test sets. */
const fakeCache = () => ({ compiled: 5, waitedMs: 100 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FirstStepClock', () => {
  it('counts the pipeline waits inside a phase as pipelines, not as the phase', async () => {
    const cache = fakeCache();
    const clock = new FirstStepClock(cache);
    await clock.time('build', async () => {
      await sleep(30);
      cache.waitedMs += 20;
      cache.compiled += 3;
    });
    const breakdown = clock.finish();
    expect(breakdown.pipelines_ms).toBe(20);
    expect(breakdown.pipelines_compiled).toBe(3);
    // setTimeout may fire up to a millisecond early.
    expect(breakdown.build_ms).toBeGreaterThanOrEqual(29 - 20);
    expect(breakdown.build_ms + breakdown.pipelines_ms).toBeLessThanOrEqual(breakdown.first_step_ms);
  });

  it('stops counting once finished, and reports the same breakdown again', async () => {
    const clock = new FirstStepClock(fakeCache(), performance.now() - 50);
    clock.add('data', 10);
    clock.add('submit', 2);
    clock.add('readback', 30, 5);
    const first = clock.finish();
    clock.add('data', 1000);
    expect(clock.finish()).toBe(first);
    expect(first.first_submit_ms).toBe(first.first_step_ms);
    expect(first).toMatchObject({ data_ms: 10, submit_ms: 2, readback_ms: 25, pipelines_ms: 5, build_ms: 0, pipelines_compiled: 0 });
    expect(first.first_step_ms).toBeGreaterThanOrEqual(50);
    expect(breakdownCoverage(first)).toBeCloseTo(42 / first.first_step_ms, 10);
  });
});
