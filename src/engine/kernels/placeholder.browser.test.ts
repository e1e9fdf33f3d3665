import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../gpu/compute-plan';
import { download, testContext } from '../testing/gpu-test';
import { placeholderFor } from './placeholder';

describe('placeholderFor', () => {
  it('hands every plan of a device the same 4-element zero tensor, owned by "placeholder"', async () => {
    const ctx = await testContext();
    const first = placeholderFor(new ComputePlan(ctx, 'a', 'test'));
    const second = placeholderFor(new ComputePlan(ctx, 'b', 'test'));
    expect(second).toBe(first);
    expect(first.size).toBe(4);
    expect(first.dtype).toBe('f32');
    expect(ctx.pool.bytesHeldBy('placeholder')).toBe(16);
    expect(Array.from(await download(ctx, first))).toEqual([0, 0, 0, 0]);
  });
});
