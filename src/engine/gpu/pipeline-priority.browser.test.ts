import { describe, expect, it } from 'vitest';
import { createGpuContext } from './context';

/** A distinct kernel per value (the constant is baked into the source, so each compiles its own module too). */
const kernel = (value: number) => `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() { out[0] = ${value}.0; }`;

describe('PipelineCache priorities', () => {
  it('compiles idle requests one at a time, after what is asked for now, and shares them', async () => {
    const ctx = await createGpuContext();
    try {
      // The order in which compiles begin: each begins with its shader module.
      const begun: string[] = [];
      const createShaderModule = ctx.device.createShaderModule.bind(ctx.device);
      ctx.device.createShaderModule = (descriptor) => {
        begun.push(descriptor.label ?? '');
        return createShaderModule(descriptor);
      };
      const idle = ctx.pipelines.idle();
      const idleAsked = [1, 2, 3].map((value) => idle.get(`idle-${value}`, kernel(value)));
      // Asked for now after the idle ones: it begins before the second idle one, which waits for the first to finish.
      const now = ctx.pipelines.get('now', kernel(10));
      // A session asking for a pipeline still queued at idle begins it at once, and gets the same object.
      const promoted = ctx.pipelines.get('promoted', kernel(3));
      await Promise.all([...idleAsked, now, promoted]);
      expect(begun).toEqual(['idle-1', 'now', 'idle-3', 'idle-2']);
      expect(await promoted).toBe(await idle.get('idle-3', kernel(3)));
      expect(ctx.pipelines.compiled).toBe(4);
      expect(idle.size).toBe(4);
    } finally {
      ctx.destroy();
    }
  });
});
