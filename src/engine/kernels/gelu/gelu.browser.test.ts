import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { compareArrays, type Tolerance } from '../../testing/compare';
import { ComputePlan } from '../../gpu/compute-plan';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import type { GeluApproximation } from './gelu-approximation';
import * as gpu from './gelu';
import * as ref from './gelu.ref';

interface Tolerances {
  forward: Tolerance;
  backward: Tolerance;
}

// tanh: float32 exp and a handful of products and divisions per element: a few ulp of values up to 30.
const TANH_TOLERANCE: Tolerances = { forward: { atol: 1e-6, rtol: 1e-5 }, backward: { atol: 1e-6, rtol: 1e-5 } };
// exact, measured on SwiftShader over [-16, 16]: the forward within 4.6e-7 relative wherever
// |gelu(x)| > 1e-36 (below, beyond x = -13, it is flushed to 0); the slope within 1.6e-7 absolute
// (it crosses 0 at x = -0.75, so only an absolute bound holds there), times |dOut| <= 1, plus the
// rounding of the accumulated sum (up to 2 ulp of values up to 2).
const EXACT_TOLERANCE: Tolerances = { forward: { atol: 1e-36, rtol: 6e-7 }, backward: { atol: 2e-7, rtol: 2.5e-7 } };
const EXACT_FORWARD_RELATIVE = 6e-7;

interface Errors {
  /** Largest |gpu - float64| / |float64| of the forward over outputs in float32's normal range. */
  forwardRelative: number;
}

async function expectMatchesReference(n: number, inp: Float64Array, seed: number, approximate: GeluApproximation, tolerances: Tolerances): Promise<Errors> {
  const ctx = await testContext();
  const rng = createRng(seed);
  const dOut = asFloat32Values(randomArray(rng, n));
  const previous = asFloat32Values(randomArray(rng, n));
  const tInp = upload(ctx, 'inp', inp);
  const tOut = upload(ctx, 'out', new Float32Array(n).fill(123));
  const tDOut = upload(ctx, 'dOut', dOut);
  const tDInp = upload(ctx, 'dInp', new Float32Array(n).fill(123));
  const tDAcc = upload(ctx, 'dAcc', previous);
  await runPlan(ctx, 'gelu', (plan) => {
    gpu.geluForward(plan, tOut, tInp, n, approximate);
    gpu.geluBackward(plan, tDInp, tDOut, tInp, n, approximate, OVERWRITE_ALL);
    gpu.geluBackward(plan, tDAcc, tDOut, tInp, n, approximate, { accumulate: true });
  });
  const out = new Float64Array(n);
  ref.geluForward(out, inp, n, approximate);
  const dInp = new Float64Array(n);
  ref.geluBackward(dInp, dOut, inp, n, approximate, OVERWRITE_ALL);
  const dAcc = previous.slice();
  ref.geluBackward(dAcc, dOut, inp, n, approximate, ACCUMULATE_ALL);
  const gpuOut = await download(ctx, tOut);
  for (const [name, actual, expected, tolerance] of [
    ['out', gpuOut, out, tolerances.forward],
    ['dInp', await download(ctx, tDInp), dInp, tolerances.backward],
    ['dInp accumulated', await download(ctx, tDAcc), dAcc, tolerances.backward],
  ] as const) {
    const result = compareArrays(actual, expected, tolerance, `${approximate} ${name}`);
    expect(result.ok, result.report).toBe(true);
  }
  let forwardRelative = 0;
  for (let i = 0; i < n; i++) if (Math.abs(out[i]) > 1e-36) forwardRelative = Math.max(forwardRelative, Math.abs(gpuOut[i] - out[i]) / Math.abs(out[i]));
  ctx.pool.releaseOwner('test');
  return { forwardRelative };
}

describe('gelu on the GPU', () => {
  for (const [approximate, tolerance] of [
    ['tanh', TANH_TOLERANCE],
    ['none', EXACT_TOLERANCE],
  ] as const) {
    // 1, one below a workgroup of 256, and one not a multiple of it.
    for (const n of [1, 255, 1000]) {
      it(`${approximate}: forward and backward match the reference, n=${n}`, async () => {
        const inp = asFloat32Values(randomArray(createRng(n), n, -6, 6));
        if (n > 4) inp.set([-30, 30, -15, 15], n - 4);
        await expectMatchesReference(n, inp, n + 1, approximate, tolerance);
      });
    }
  }

  it('tanh: stays finite and exact over [-30, 30], where a naive tanh overflows', async () => {
    // Steps of 1/8 hit 0, the clamp of 2u at |x| ~ 7, and the extremes exactly.
    const inp = Float64Array.from({ length: 481 }, (_, i) => -30 + i / 8);
    await expectMatchesReference(inp.length, inp, 3, 'tanh', TANH_TOLERANCE);
  });

  it('none: matches float64 over [-16, 16], tiny inputs and the tails included', async () => {
    // Steps of 1/64 cross both borders of the erf evaluation (|x| = 1 and the flush to 0 past 13);
    // then tiny values of both signs, where gelu(x) = x / 2.
    const grid = Array.from({ length: 2049 }, (_, i) => -16 + i / 64);
    const tiny = [1e-30, 1e-20, 1e-10, 1e-5, 1e-3].flatMap((x) => [x, -x]);
    const inp = asFloat32Values(Float64Array.from([...grid, ...tiny]));
    const errors = await expectMatchesReference(inp.length, inp, 5, 'none', EXACT_TOLERANCE);
    // The grid reaches gelu(-13) = -8e-38, so the relative bound covers the left tail down to there.
    expect(errors.forwardRelative).toBeLessThan(EXACT_FORWARD_RELATIVE);
  });

  it('rejects mismatched sizes, an in-place gelu and an unknown approximation', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'gelu-validation', 'test');
    const x = upload(ctx, 'x', new Float32Array(8));
    const y = upload(ctx, 'y', new Float32Array(8));
    const short = upload(ctx, 'short', new Float32Array(7));
    expect(() => gpu.geluForward(plan, short, x, 8, 'tanh')).toThrow('geluForward: out "short" has 7 elements, expected 8 (n)');
    expect(() => gpu.geluForward(plan, x, x, 8, 'none')).toThrow('geluForward: out "x" and inp "x" share a GPU buffer');
    expect(() => gpu.geluBackward(plan, x, y, short, 8, 'tanh', OVERWRITE_ALL)).toThrow('geluBackward: inp "short" has 7 elements, expected 8 (n)');
    expect(() => gpu.geluBackward(plan, x, y, x, 8, 'none', OVERWRITE_ALL)).toThrow('geluBackward: dInp "x" and inp "x" share a GPU buffer');
    expect(() => gpu.geluForward(plan, y, x, 8, 'erf' as GeluApproximation)).toThrow("geluForward: approximate must be 'none' or 'tanh', got erf");
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
