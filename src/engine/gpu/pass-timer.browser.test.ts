import { describe, expect, it } from 'vitest';
import { createGpuContext } from './context';
import { PassTimer } from './pass-timer';
import { testContext } from '../testing/gpu-test';

/** A pass that does some work: a few thousand empty workgroups of a trivial shader. */
function busyPass(pipeline: GPUComputePipeline, encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites) {
  const pass = encoder.beginComputePass({ label: 'pass-timer-test', timestampWrites });
  pass.setPipeline(pipeline);
  pass.dispatchWorkgroups(4096);
  pass.end();
}

describe('PassTimer', () => {
  it('times each pass written since the last read, and only the first `capacity` of them', async () => {
    const ctx = await testContext();
    if (!ctx.device.features.has('timestamp-query')) return expect(ctx.adapter).toBeDefined();
    const { device } = ctx;
    const module = device.createShaderModule({ code: '@compute @workgroup_size(64) fn main() {}' });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const timer = new PassTimer(device, ctx.pool, 'pass-timer-test', 3);
    try {
      const creations = ctx.pool.creations;
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++) {
          const encoder = device.createCommandEncoder();
          const writes = timer.nextPass();
          // The fourth pass finds the ring full and goes untimed.
          expect(writes === undefined).toBe(i === 3);
          busyPass(pipeline, encoder, writes);
          if (i === 3) timer.stage(encoder);
          device.queue.submit([encoder.finish()]);
        }
        const ms = await timer.read();
        expect(ms).toHaveLength(3);
        for (const value of ms) expect(value).toBeGreaterThanOrEqual(0);
      }
      // Made once: timing and reading allocate nothing.
      expect(ctx.pool.creations).toBe(creations);
      // Nothing staged since the last read.
      expect(await timer.read()).toEqual([]);
    } finally {
      timer.destroy();
    }
  });

  it('names the owner and what is wrong', async () => {
    const plain = await createGpuContext({ timestampQuery: false });
    try {
      expect(() => new PassTimer(plain.device, plain.pool, 'run:adam', 4)).toThrow('run:adam: timing passes needs a device with the timestamp-query feature');
    } finally {
      plain.destroy();
    }
    const ctx = await testContext();
    if (!ctx.device.features.has('timestamp-query')) return;
    expect(() => new PassTimer(ctx.device, ctx.pool, 'run:adam', 5000)).toThrow('run:adam: a pass timer holds 1 to 2048 passes, not 5000');
  });
});
