import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { readTensor, writeTensor } from '../../gpu/transfer';
import { testContext } from '../../testing/gpu-test';
import { philoxUniform } from './philox';
import { philoxUniform as philoxUniformRef } from './philox.ref';

describe('philoxUniform on the GPU', () => {
  // Integer arithmetic and a float exact in float32: the GPU must agree bit for bit.
  it.each([1, 7, 1000, 70_001])('draws the reference numbers exactly for n = %i, step by step from one plan', async (n) => {
    const ctx = await testContext();
    const owner = `philox-test-${n}`;
    const out = ctx.pool.tensor('philox:out', [n], owner);
    const step = ctx.pool.tensor('philox:step', [1], owner, 'u32');
    const plan = new ComputePlan(ctx, 'philox-test', owner);
    philoxUniform(plan, out, n, 0xdeadbeef, 5, step);
    await plan.compile();
    try {
      for (const at of [0, 123_456, 0xffffffff]) {
        writeTensor(ctx, step, [at]);
        plan.run();
        expect(await readTensor(ctx, out)).toEqual(Float32Array.from(philoxUniformRef(n, 0xdeadbeef, 5, at)));
      }
    } finally {
      plan.dispose();
      ctx.pool.releaseOwner(owner);
    }
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const out = ctx.pool.tensor('philox:out', [4], 'philox-checks');
    const wrong = ctx.pool.tensor('philox:step', [1], 'philox-checks');
    const plan = new ComputePlan(ctx, 'philox-checks', 'philox-checks');
    expect(() => philoxUniform(plan, out, 4, 1, 0, wrong)).toThrow(/philoxUniform.*step/);
    expect(() => philoxUniform(plan, out, 4, -1, 0, ctx.pool.tensor('philox:u32', [1], 'philox-checks', 'u32'))).toThrow(/seed must be a whole number/);
    ctx.pool.releaseOwner('philox-checks');
  });
});
