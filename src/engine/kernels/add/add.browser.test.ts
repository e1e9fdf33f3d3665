import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import type { GpuTensor } from '../../gpu/tensor';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './add';
import * as ref from './add.ref';

// One float32 addition per element: the result is the correctly rounded float64 sum.
const TOLERANCE = { atol: 1e-6, rtol: 1e-6 };

describe('add on the GPU', () => {
  // 1, just under and just over one workgroup of 256, and several workgroups.
  for (const n of [1, 255, 257, 3000]) {
    it(`forward and backward match the reference, n=${n}`, async () => {
      const ctx = await testContext();
      const rng = createRng(n);
      const a = asFloat32Values(randomArray(rng, n));
      const b = asFloat32Values(randomArray(rng, n));
      const dOut = asFloat32Values(randomArray(rng, n));
      const previousA = asFloat32Values(randomArray(rng, n));
      const previousB = asFloat32Values(randomArray(rng, n));
      const garbage = new Float32Array(n).fill(123);
      const tA = upload(ctx, 'a', a);
      const tB = upload(ctx, 'b', b);
      const tOut = upload(ctx, 'out', garbage);
      const tDOut = upload(ctx, 'dOut', dOut);
      // Both gradients in one dispatch: overwrite, accumulate, and each mixed combination.
      const pairs = [
        { name: 'both overwrite', options: { accumulateA: false, accumulateB: false } },
        { name: 'both accumulate', options: { accumulateA: true, accumulateB: true } },
        { name: 'accumulate A only', options: { accumulateA: true, accumulateB: false } },
        { name: 'accumulate B only', options: { accumulateA: false, accumulateB: true } },
      ].map(({ name, options }) => ({
        name,
        options,
        tDA: upload(ctx, `${name} dA`, options.accumulateA ? previousA : garbage),
        tDB: upload(ctx, `${name} dB`, options.accumulateB ? previousB : garbage),
      }));
      // One gradient only (the other operand is, e.g., the network input).
      const tOnlyA = upload(ctx, 'only dA', garbage);
      const tOnlyAAcc = upload(ctx, 'only dA accumulated', previousA);
      const tOnlyB = upload(ctx, 'only dB', garbage);
      const tOnlyBAcc = upload(ctx, 'only dB accumulated', previousB);
      const plan = await runPlan(ctx, 'add', (p) => {
        gpu.addForward(p, tOut, tA, tB, n);
        for (const { tDA, tDB, options } of pairs) gpu.addBackward(p, tDA, tDB, tDOut, n, options);
        gpu.addBackward(p, tOnlyA, null, tDOut, n, { accumulateA: false, accumulateB: false });
        gpu.addBackward(p, tOnlyAAcc, null, tDOut, n, { accumulateA: true, accumulateB: false });
        gpu.addBackward(p, null, tOnlyB, tDOut, n, { accumulateA: false, accumulateB: false });
        gpu.addBackward(p, null, tOnlyBAcc, tDOut, n, { accumulateA: false, accumulateB: true });
        gpu.addBackward(p, null, null, tDOut, n, { accumulateA: false, accumulateB: false });
      });
      // One forward, one dispatch per pair, one per single gradient, none for (null, null).
      expect(plan.dispatchCount).toBe(1 + pairs.length + 4);

      const out = new Float64Array(n);
      ref.addForward(out, a, b, n);
      const expectations: [string, GpuTensor, Float64Array][] = [['out', tOut, out]];
      for (const { name, options, tDA, tDB } of pairs) {
        const dA = options.accumulateA ? previousA.slice() : new Float64Array(n);
        const dB = options.accumulateB ? previousB.slice() : new Float64Array(n);
        ref.addBackward(dA, dB, dOut, n, options);
        expectations.push([`${name}: dA`, tDA, dA], [`${name}: dB`, tDB, dB]);
      }
      for (const [name, tensor, previous] of [
        ['only dA', tOnlyA, null],
        ['only dA accumulated', tOnlyAAcc, previousA],
        ['only dB', tOnlyB, null],
        ['only dB accumulated', tOnlyBAcc, previousB],
      ] as const) {
        const expected = previous ? previous.slice() : new Float64Array(n);
        ref.addBackward(expected, null, dOut, n, { accumulateA: previous !== null, accumulateB: false });
        expectations.push([name, tensor, expected]);
      }
      for (const [name, tensor, expected] of expectations) {
        const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
        expect(result.ok, result.report).toBe(true);
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects mismatched sizes, an in-place add and overlapping gradients', async () => {
    const ctx = await testContext();
    const tA = upload(ctx, 'a', new Float32Array(8));
    const tB = upload(ctx, 'b', new Float32Array(8));
    const tShort = upload(ctx, 'short', new Float32Array(7));
    await expect(runPlan(ctx, 'add-bad', (p) => gpu.addForward(p, tShort, tA, tB, 8))).rejects.toThrow(
      /addForward: out "short" has 7 elements, expected 8 \(n\)/,
    );
    await expect(runPlan(ctx, 'add-bad', (p) => gpu.addForward(p, tA, tA, tB, 8))).rejects.toThrow(/addForward: out "a" and a "a" share a GPU buffer/);
    await expect(runPlan(ctx, 'add-bad', (p) => gpu.addBackward(p, tA, tA, tB, 8, { accumulateA: false, accumulateB: false }))).rejects.toThrow(
      /addBackward: dA "a" and dB "a" overlap/,
    );
    await expect(runPlan(ctx, 'add-bad', (p) => gpu.addBackward(p, null, tB, tB, 8, { accumulateA: false, accumulateB: false }))).rejects.toThrow(
      /addBackward: dB "b" and dOut "b" share/,
    );
    ctx.pool.releaseOwner('test');
  });
});
