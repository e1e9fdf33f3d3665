import { describe, expect, it } from 'vitest';
import { StepPipeline } from './step-pipeline';

/** A queue whose submits end when the test says, in order, at the test's clock. */
function fakeQueue() {
  const pending: (() => void)[] = [];
  let time = 0;
  return {
    queue: { onSubmittedWorkDone: () => new Promise<void>((resolve) => pending.push(resolve)) },
    now: () => time,
    /** The oldest submit ends at `at`. */
    end(at: number) {
      time = at;
      pending.shift()!();
    },
    get waiting() {
      return pending.length;
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('StepPipeline', () => {
  it('times each submit from the later of its submit and the end of the one before', async () => {
    const gpu = fakeQueue();
    const pipeline = new StepPipeline({ queue: gpu.queue, capacity: () => 8, lost: new Promise(() => {}), now: gpu.now });
    const first = pipeline.track(0);
    const second = pipeline.track(1);
    // Queued behind the first: it starts when that one ends.
    gpu.end(10);
    await settle();
    gpu.end(25);
    await settle();
    // Submitted after the queue had emptied: it starts at its submit.
    const third = pipeline.track(40);
    gpu.end(47);
    expect(await Promise.all([first, second, third])).toEqual([10, 15, 7]);
  });

  it('keeps the total when several submits are seen to end at once', async () => {
    const gpu = fakeQueue();
    const pipeline = new StepPipeline({ queue: gpu.queue, capacity: () => 8, lost: new Promise(() => {}), now: gpu.now });
    const steps = [pipeline.track(0), pipeline.track(0), pipeline.track(0)];
    gpu.end(10);
    gpu.end(20);
    gpu.end(30);
    const ms = await Promise.all(steps);
    // The mean over a metrics interval is what the rows report, and it stays right.
    expect(ms.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('waits for the oldest submit once `capacity` are in flight, and drains on request', async () => {
    const gpu = fakeQueue();
    const pipeline = new StepPipeline({ queue: gpu.queue, capacity: () => 2, lost: new Promise(() => {}), now: gpu.now });
    pipeline.track(0);
    await pipeline.throttle();
    pipeline.track(0);
    let throttled = false;
    const wait = pipeline.throttle().then(() => (throttled = true));
    await settle();
    expect(throttled).toBe(false);
    gpu.end(5);
    await wait;
    // One ended, the other still runs.
    expect(pipeline.size).toBe(1);
    expect(pipeline.peak).toBe(2);
    let drained = false;
    const drain = pipeline.drain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    gpu.end(9);
    await drain;
    expect(pipeline.size).toBe(0);
  });

  it('keeps the landscape’s work out of the next step’s time', async () => {
    const gpu = fakeQueue();
    const pipeline = new StepPipeline({ queue: gpu.queue, capacity: () => 8, lost: new Promise(() => {}), now: gpu.now });
    const step = pipeline.track(0);
    pipeline.mark();
    const next = pipeline.track(0);
    for (const at of [10, 30, 34]) {
      gpu.end(at);
      await settle();
    }
    expect(await Promise.all([step, next])).toEqual([10, 4]);
  });

  it('ends every wait when the device is lost with submits in flight', async () => {
    const gpu = fakeQueue();
    let lose!: () => void;
    const lost = new Promise<void>((resolve) => (lose = resolve));
    const pipeline = new StepPipeline({ queue: gpu.queue, capacity: () => 1, lost, now: gpu.now });
    const step = pipeline.track(0);
    pipeline.track(0);
    const waits = Promise.all([pipeline.throttle(), pipeline.drain()]);
    lose();
    await waits;
    expect(Number.isNaN(await step)).toBe(true);
    expect(gpu.waiting).toBe(2);
  });
});
