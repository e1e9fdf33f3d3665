import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { readTensor, writeTensor } from '../../gpu/transfer';
import { createRng, randomArray } from '../../random';
import { testContext, upload } from '../../testing/gpu-test';
import { IGNORE_TARGET } from '../cross-entropy/cross-entropy-labels';
import { philoxUniform } from '../philox/philox.ref';
import { sampleLabels } from './sample-labels';
import { boundaryDistances, sampleLabelsFromUniforms } from './sample-labels.ref';

/**
 * Below this distance of u from a cumulative boundary the float32 kernel may pick the
 * neighbouring class: its partial sums of K float32 exponentials are off by up to ~K·6e-8
 * relative. Farther away the labels must be identical.
 */
const NEAR_TIE = 1e-5;

describe('sampleLabels on the GPU against the float64 twin', () => {
  // (B, K): one row of one class, fewer classes than a workgroup, several classes per lane
  // (K = 1000 over 256 lanes, an odd remainder), and more rows than one grid dimension holds.
  it.each([
    [1, 1],
    [7, 10],
    [5, 1000],
    [3, 257],
    [70_000, 3],
  ])('B = %i, K = %i: the same labels away from near-ties, from one plan over several steps', async (B, K) => {
    const ctx = await testContext();
    const owner = `sample-labels-${B}-${K}`;
    const rng = createRng(B * 7 + K);
    const logits = Float32Array.from(randomArray(rng, B * K, -3, 3));
    const labels = Uint32Array.from({ length: B }, (_, b) => (b % 5 === 3 ? IGNORE_TARGET : rng.int(K)));
    const out = ctx.pool.tensor('labels:out', [B], owner, 'u32');
    const step = ctx.pool.tensor('labels:step', [1], owner, 'u32');
    const plan = new ComputePlan(ctx, owner, owner);
    const [seed, stream] = [0xc0ffee, 3];
    sampleLabels(plan, out, upload(ctx, 'labels:logits', logits), upload(ctx, 'labels:true', labels, [B], 'u32'), step, B, K, seed, stream);
    await plan.compile();
    try {
      let nearTies = 0;
      let differing = 0;
      for (const at of [0, 41, 0xffffffff]) {
        writeTensor(ctx, step, [at]);
        plan.run();
        const got = new Uint32Array((await readTensor(ctx, out)).buffer);
        const uniforms = philoxUniform(B, seed, stream, at);
        const expected = sampleLabelsFromUniforms(logits, labels, uniforms, B, K);
        const distances = boundaryDistances(logits, labels, uniforms, B, K);
        for (let b = 0; b < B; b++) {
          if (got[b] === expected[b]) continue;
          differing++;
          // A difference is allowed only at a near-tie, and then only across that boundary.
          expect(distances[b], `row ${b} at step ${at}: GPU ${got[b]}, twin ${expected[b]}, u ${uniforms[b]}`).toBeLessThan(NEAR_TIE);
          expect(Math.abs(got[b] - expected[b]), `row ${b}`).toBe(1);
        }
        nearTies += distances.filter((d) => d < NEAR_TIE).length;
        expect(labels.every((label, b) => (label === IGNORE_TARGET) === (got[b] === IGNORE_TARGET))).toBe(true);
      }
      console.info(`sampleLabels B=${B} K=${K}: ${differing} of ${3 * B} labels differ, ${nearTies} rows within ${NEAR_TIE} of a boundary`);
      // Well-separated cases must agree everywhere; only the 210,000 draws may meet a near-tie.
      if (B < 1000) expect(nearTies).toBe(0);
    } finally {
      plan.dispose();
      ctx.pool.releaseOwner(owner);
      ctx.pool.releaseOwner('test');
    }
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const owner = 'sample-labels-checks';
    const u32 = (label: string, n: number) => ctx.pool.tensor(label, [n], owner, 'u32');
    const logits = ctx.pool.tensor('logits', [6], owner);
    const plan = new ComputePlan(ctx, owner, owner);
    const [out, labels, step] = [u32('out', 2), u32('labels', 2), u32('step', 1)];
    expect(() => sampleLabels(plan, out, logits, labels, step, 2, 4, 1, 0)).toThrow('sample_labels: logits "logits" has 6 elements, expected 8 (B*K = 2*4)');
    expect(() => sampleLabels(plan, logits, logits, labels, step, 2, 3, 1, 0)).toThrow('sample_labels: out "logits" has 6 elements, expected 2 (B)');
    expect(() => sampleLabels(plan, out, logits, labels, ctx.pool.tensor('f', [1], owner), 2, 3, 1, 0)).toThrow(
      'sample_labels: step "f" has dtype f32, expected u32',
    );
    expect(() => sampleLabels(plan, out, logits, labels, step, 2, 3, 2 ** 32, 0)).toThrow(
      'sample_labels: seed must be a whole number in 0..2^32-1, got 4294967296',
    );
    expect(() => sampleLabels(plan, labels, logits, labels, step, 2, 3, 1, 0)).toThrow(/share a GPU buffer/);
    ctx.pool.releaseOwner(owner);
  });
});
