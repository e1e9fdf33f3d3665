import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { assertAllClose } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import { packBiasTable, type BiasEntry } from './kfac-bias-layout';
import * as gpu from './kfac-bias';
import * as ref from './kfac-bias.ref';

describe('kfacBias on the GPU', () => {
  it('replaces every listed bias gradient by B⁻¹ g in place and leaves the rest of the buffer alone (sides 1, 10, 300)', async () => {
    const ctx = await testContext();
    const rng = createRng(8);
    // Biases at aligned offsets of one flat gradient buffer, their B⁻¹ packed in another.
    const entries: BiasEntry[] = [
      { gradOffset: 0, inverseOffset: 0, side: 1 },
      { gradOffset: 64, inverseOffset: 64, side: 10 },
      { gradOffset: 128, inverseOffset: 192, side: 300 },
    ];
    const grads = asFloat32Values(randomArray(rng, 128 + 300 + 20));
    const inverses = asFloat32Values(randomArray(rng, 192 + 300 * 300));
    const { words, scratch } = packBiasTable(entries);
    const tGrads = upload(ctx, 'grads', grads);
    const tScratch = upload(ctx, 'scratch', new Float32Array(scratch));
    await runPlan(ctx, 'kfac-bias', (plan) =>
      gpu.kfacBias(plan, tGrads, upload(ctx, 'inverses', inverses), tScratch, upload(ctx, 'table', words, undefined, 'u32'), scratch, 300),
    );
    const expected = Float64Array.from(grads);
    ref.kfacBias(expected, inverses, entries);
    // Sums of up to 300 float32 products of values in [-1, 1] (results of size ~6): measured worst 6.8e-6 absolute.
    assertAllClose(await download(ctx, tGrads), expected, { atol: 3e-5, rtol: 0 });
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'kfac-bias-checks', 'test');
    const grads = upload(ctx, 'grads', [1, 2]);
    const inverses = upload(ctx, 'inverses', [1]);
    const table = upload(ctx, 'table', [0, 0, 1, 0], undefined, 'u32');
    expect(() => gpu.kfacBias(plan, grads, inverses, upload(ctx, 'small', [0]), table, 2, 1)).toThrow(
      'kfacBias: scratch "small" has 1 elements, the layers need 2',
    );
    expect(() => gpu.kfacBias(plan, grads, grads, upload(ctx, 'scratch', [0]), table, 1, 1)).toThrow(/share a GPU buffer/);
  });
});
