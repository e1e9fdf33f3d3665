import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { assertAllClose } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import type { PatchGeometry } from '../gram/patch-geometry';
import * as gpu from './kfac-notebook';
import * as ref from './kfac-notebook.ref';

/** The zero-padded im2col matrix (rows (b, oy, ox), columns (c, ky, kx)). */
function patches(x: ArrayLike<number>, p: PatchGeometry): Float64Array {
  const d = p.channels * p.kernel * p.kernel;
  const rows = p.batch * p.outHeight * p.outWidth;
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const ox = r % p.outWidth;
    const oy = Math.floor(r / p.outWidth) % p.outHeight;
    const b = Math.floor(r / (p.outWidth * p.outHeight));
    for (let column = 0; column < d; column++) {
      const kx = column % p.kernel;
      const ky = Math.floor(column / p.kernel) % p.kernel;
      const c = Math.floor(column / (p.kernel * p.kernel));
      const iy = oy * p.stride - p.padding + ky;
      const ix = ox * p.stride - p.padding + kx;
      if (iy >= 0 && iy < p.height && ix >= 0 && ix < p.width) out[r * d + column] = x[((b * p.channels + c) * p.height + iy) * p.width + ix];
    }
  }
  return out;
}

// A few float32 roundings per element (average, scale, gather, scatter); the bias line sums up
// to 18 values of [-1, 1]. Measured worst: 7.5e-8 absolute (average and bias line), 3e-8
// (scatter and weight decay), 8.4e-8 relative (eigenvalue scaling).
const TOLERANCE = { atol: 1e-6, rtol: 1e-6 };

describe('notebook K-FAC kernels on the GPU', () => {
  it('running average and bias line of an A factor (a 3-channel convolution with stride 2 and padding 1, and a Linear input)', async () => {
    const ctx = await testContext();
    const rng = createRng(1);
    const conv: PatchGeometry = { batch: 2, channels: 3, height: 5, width: 5, kernel: 3, stride: 2, padding: 1, outHeight: 3, outWidth: 3 };
    const linear: PatchGeometry = { batch: 7, channels: 5, height: 1, width: 1, kernel: 1, stride: 1, padding: 0, outHeight: 1, outWidth: 1 };
    for (const [name, patch] of [
      ['conv', conv],
      ['linear', linear],
    ] as const) {
      const d = patch.channels * patch.kernel * patch.kernel;
      const x = asFloat32Values(randomArray(rng, patch.batch * patch.channels * patch.height * patch.width));
      const S = asFloat32Values(randomArray(rng, d * d));
      const M = asFloat32Values(randomArray(rng, 64 + (d + 1) ** 2));
      const tM = upload(ctx, `${name} M`, M);
      await runPlan(ctx, `notebook-average-${name}`, (plan) => {
        gpu.notebookAverage(plan, tM, upload(ctx, 'S', S), d, d + 1, 64, 0.95);
        gpu.notebookBiasLine(plan, tM, upload(ctx, 'x', x), patch, 64, 0.3, 0.95);
      });
      const expected = Float64Array.from(M);
      ref.notebookAverage(expected, S, d, d + 1, 64, 0.95);
      ref.notebookBiasLine(expected, patches(x, patch), patch.batch * patch.outHeight * patch.outWidth, d, 64, 0.3, 0.95);
      assertAllClose(await download(ctx, tM), expected, TOLERANCE, name);
    }
  });

  it('gathers [G_w | g_b], scales by the eigenvalue products, scatters ν·V (clipped and not), and adds the delayed weight decay', async () => {
    const ctx = await testContext();
    const rng = createRng(2);
    const block = { rows: 3, cols: 4, weightOffset: 64, biasOffset: 128 };
    const grads = asFloat32Values(randomArray(rng, 192));
    const theta = asFloat32Values(randomArray(rng, 192));
    const V = asFloat32Values(randomArray(rng, 15));
    const dG = [0.5, 0, 2];
    const dA = [1, 0.25, 0, 3, 0.5];
    for (const [vg, lr] of [
      [4, 0.1],
      [1e-3, 0.1],
    ]) {
      const tGrads = upload(ctx, 'grads', grads);
      const P = upload(ctx, 'P', new Float32Array(15));
      const tV = upload(ctx, 'V', V);
      const scalars = upload(ctx, 'scalars', [lr, 0.01]);
      await runPlan(ctx, 'notebook-precondition', (plan) => {
        gpu.notebookGather(plan, P, tGrads, block);
        gpu.notebookEigenScale(plan, tV, upload(ctx, 'dG', dG), upload(ctx, 'dA', dA), 1e-3);
      });
      const expectedP = ref.notebookGather(grads, block);
      assertAllClose(await download(ctx, P), expectedP, TOLERANCE, 'P');
      const expectedV = Float64Array.from(V);
      ref.notebookEigenScale(expectedV, dG, dA, 1e-3);
      assertAllClose(await download(ctx, tV), expectedV, TOLERANCE, 'V');
      await runPlan(ctx, 'notebook-scatter', (plan) => {
        gpu.notebookScatter(plan, tGrads, upload(ctx, 'V plain', V), upload(ctx, 'vg', [vg]), scalars, block, 1e-3);
        gpu.notebookWeightDecay(plan, tGrads, upload(ctx, 'theta', theta), scalars);
      });
      const expected = Float64Array.from(grads);
      const nu = ref.klScale(Math.fround(vg), Math.fround(lr), 1e-3);
      expect(nu < 1).toBe(vg === 4);
      ref.notebookScatter(expected, V, nu, block);
      for (let i = 0; i < expected.length; i++) expected[i] += Math.fround(0.01) * theta[i];
      assertAllClose(await download(ctx, tGrads), expected, TOLERANCE, `grads at vg ${vg}`);
    }
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'notebook-checks', 'test');
    const grads = upload(ctx, 'grads', new Float32Array(8));
    expect(() => gpu.notebookGather(plan, upload(ctx, 'P', new Float32Array(5)), grads, { rows: 2, cols: 2, weightOffset: 0, biasOffset: 4 })).toThrow(
      'notebookGather: P "P" has 5 elements, expected 6 (rows*(cols + bias))',
    );
    expect(() => gpu.notebookGather(plan, upload(ctx, 'P6', new Float32Array(6)), grads, { rows: 2, cols: 2, weightOffset: 6, biasOffset: 4 })).toThrow(
      'notebookGather: the 2x2 weight at 6 runs past grads "grads"',
    );
    expect(() => gpu.notebookAverage(plan, grads, upload(ctx, 'S', [1]), 1, 3, 0, 1)).toThrow('notebookAverage: decay must be in [0, 1), got 1');
  });
});
