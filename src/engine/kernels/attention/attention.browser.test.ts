import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './attention';
import * as ref from './attention.ref';

// Sums run over D (scores, dP), a row of at most T = 100 weights (out, dS, dQ, dK, dV) of
// products of values in [-1, 1]; probabilities themselves are at most 1.
const TOLERANCE = { atol: 2e-5, rtol: 2e-4 };

describe('attention on the GPU', () => {
  // (B, T, C, H): one position; odd head counts and head sizes (D = 1, 2, 4, 6, 8, 16, 40);
  // T across the 32-row tile and the 16-long inner slice; D = 40 spanning two feature tiles.
  const shapes = [
    [1, 1, 4, 1],
    [2, 5, 6, 3],
    [1, 17, 32, 4],
    [3, 7, 12, 2],
    [1, 64, 64, 4],
    [2, 33, 80, 2],
    [1, 100, 16, 2],
    [2, 9, 3, 3],
  ];
  for (const [B, T, C, H] of shapes) {
    it(`forward and backward match the reference, B=${B} T=${T} C=${C} H=${H}`, async () => {
      const ctx = await testContext();
      const rng = createRng(B * 100003 + T * 1009 + C * 31 + H);
      const n = B * T * C;
      const square = B * H * T * T;
      const [q, k, v, dOut, prevDQ, prevDK, prevDV] = [0, 1, 2, 3, 4, 5, 6].map(() => asFloat32Values(randomArray(rng, n)));
      // Stale contents that overwrite mode must not read.
      const stale = (size: number) => new Float32Array(size).fill(123);

      const tQ = upload(ctx, 'q', q);
      const tK = upload(ctx, 'k', k);
      const tV = upload(ctx, 'v', v);
      const tDOut = upload(ctx, 'dOut', dOut);
      const tOut = upload(ctx, 'out', stale(n));
      const tProbs = upload(ctx, 'probs', stale(square));
      const tScratch = upload(ctx, 'scratch', stale(square));
      const tDQ = upload(ctx, 'dQ', stale(n));
      const tDK = upload(ctx, 'dK', stale(n));
      const tDV = upload(ctx, 'dV', stale(n));
      const tDQAcc = upload(ctx, 'dQAcc', prevDQ);
      const tDKAcc = upload(ctx, 'dKAcc', prevDK);
      const tDVAcc = upload(ctx, 'dVAcc', prevDV);

      await runPlan(ctx, 'attention', (plan) => {
        gpu.attentionForward(plan, tOut, tProbs, tQ, tK, tV, B, T, C, H);
        gpu.attentionBackward(plan, tDQ, tDK, tDV, tDOut, tProbs, tQ, tK, tV, tScratch, B, T, C, H, OVERWRITE_ALL);
        // The scratch left by the first backward is stale here too.
        gpu.attentionBackward(plan, tDQAcc, tDKAcc, tDVAcc, tDOut, tProbs, tQ, tK, tV, tScratch, B, T, C, H, ACCUMULATE_ALL);
      });

      const out = new Float64Array(n);
      const probs = new Float64Array(square);
      ref.attentionForward(out, probs, q, k, v, B, T, C, H);
      // The GPU backward reads the GPU's probs, the reference its float64 ones; they differ by
      // float32 rounding, well inside TOLERANCE.
      const [dQ, dK, dV] = [0, 1, 2].map(() => new Float64Array(n));
      ref.attentionBackward(dQ, dK, dV, dOut, probs, q, k, v, B, T, C, H, OVERWRITE_ALL);
      const [dQAcc, dKAcc, dVAcc] = [prevDQ.slice(), prevDK.slice(), prevDV.slice()];
      ref.attentionBackward(dQAcc, dKAcc, dVAcc, dOut, probs, q, k, v, B, T, C, H, ACCUMULATE_ALL);

      const checks = [
        ['out', tOut, out],
        ['probs', tProbs, probs],
        ['dQ', tDQ, dQ],
        ['dK', tDK, dK],
        ['dV', tDV, dV],
        ['dQ accumulated', tDQAcc, dQAcc],
        ['dK accumulated', tDKAcc, dKAcc],
        ['dV accumulated', tDVAcc, dVAcc],
      ] as const;
      for (const [name, tensor, expected] of checks) {
        const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
        expect(result.ok, result.report).toBe(true);
      }
      // Masked weights are exactly 0, not merely small.
      const gpuProbs = await download(ctx, tProbs);
      const masked = gpuProbs.filter((_, index) => index % T > Math.floor(index / T) % T);
      expect(masked.every((p) => p === 0)).toBe(true);
      ctx.pool.releaseOwner('test');
    });
  }

  it('handles 32 * 12 heads in one dispatch', async () => {
    const ctx = await testContext();
    const [B, T, C, H] = [32, 3, 24, 12];
    const rng = createRng(3212);
    const n = B * T * C;
    const [q, k, v, dOut] = [0, 1, 2, 3].map(() => asFloat32Values(randomArray(rng, n)));
    const tensors = {
      q: upload(ctx, 'q', q),
      k: upload(ctx, 'k', k),
      v: upload(ctx, 'v', v),
      dOut: upload(ctx, 'dOut', dOut),
      out: upload(ctx, 'out', new Float32Array(n)),
      probs: upload(ctx, 'probs', new Float32Array(B * H * T * T)),
      scratch: upload(ctx, 'scratch', new Float32Array(B * H * T * T)),
      dQ: upload(ctx, 'dQ', new Float32Array(n)),
      dK: upload(ctx, 'dK', new Float32Array(n)),
      dV: upload(ctx, 'dV', new Float32Array(n)),
    };
    const t = tensors;
    await runPlan(ctx, 'attention-heads', (plan) => {
      gpu.attentionForward(plan, t.out, t.probs, t.q, t.k, t.v, B, T, C, H);
      gpu.attentionBackward(plan, t.dQ, t.dK, t.dV, t.dOut, t.probs, t.q, t.k, t.v, t.scratch, B, T, C, H, OVERWRITE_ALL);
    });
    const out = new Float64Array(n);
    const probs = new Float64Array(B * H * T * T);
    ref.attentionForward(out, probs, q, k, v, B, T, C, H);
    const [dQ, dK, dV] = [0, 1, 2].map(() => new Float64Array(n));
    ref.attentionBackward(dQ, dK, dV, dOut, probs, q, k, v, B, T, C, H, OVERWRITE_ALL);
    for (const [name, tensor, expected] of [
      ['out', t.out, out],
      ['probs', t.probs, probs],
      ['dQ', t.dQ, dQ],
      ['dK', t.dK, dK],
      ['dV', t.dV, dV],
    ] as const) {
      const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
      expect(result.ok, result.report).toBe(true);
    }
    ctx.pool.releaseOwner('test');
  });

  it('rejects mismatched sizes, a C that H does not divide, and aliased tensors', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'attention-validation', 'test');
    // B=1, T=3, C=4, H=2.
    const [x, y, z, g] = ['x', 'y', 'z', 'g'].map((label) => upload(ctx, label, new Float32Array(12)));
    const probs = upload(ctx, 'probs', new Float32Array(18));
    const scratch = upload(ctx, 'scratch', new Float32Array(18));
    const short = upload(ctx, 'short', new Float32Array(11));
    expect(() => gpu.attentionForward(plan, short, probs, x, y, z, 1, 3, 4, 2)).toThrow(
      'attentionForward: out "short" has 11 elements, expected 12 (B*T*C = 1*3*4)',
    );
    expect(() => gpu.attentionForward(plan, g, short, x, y, z, 1, 3, 4, 2)).toThrow(
      'attentionForward: probs "short" has 11 elements, expected 18 (B*H*T*T = 1*2*3*3)',
    );
    expect(() => gpu.attentionForward(plan, g, probs, x, y, z, 1, 3, 4, 3)).toThrow('attentionForward: C=4 is not a positive multiple of H=3');
    expect(() => gpu.attentionForward(plan, z, probs, x, y, z, 1, 3, 4, 2)).toThrow('attentionForward: out "z" and v "z" share a GPU buffer');
    expect(() => gpu.attentionBackward(plan, g, x, y, short, probs, x, y, z, scratch, 1, 3, 4, 2, OVERWRITE_ALL)).toThrow(
      'attentionBackward: dOut "short" has 11 elements, expected 12',
    );
    expect(() => gpu.attentionBackward(plan, y, x, z, g, probs, x, y, z, scratch, 1, 3, 4, 2, OVERWRITE_ALL)).toThrow(
      'attentionBackward: dQ "y" and k "y" share a GPU buffer',
    );
    expect(() => gpu.attentionBackward(plan, g, g, z, x, probs, x, y, z, scratch, 1, 3, 4, 2, OVERWRITE_ALL)).toThrow(
      'attentionBackward: dQ "g" and dK "g" overlap',
    );
    expect(() => gpu.attentionBackward(plan, g, x, y, z, probs, x, y, z, probs, 1, 3, 4, 2, OVERWRITE_ALL)).toThrow(
      'attentionBackward: scratch "probs" and probs "probs" share a GPU buffer',
    );
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
