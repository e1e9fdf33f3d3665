import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './gram';
import * as ref from './gram.ref';
import { middleAxisPatches, patchColumns, patchRows, type PatchGeometry } from './patch-geometry';
import { maxAbs } from '../../testing/max-error';

// Each entry sums N products of values in [-1, 1] in float32, one running sum per invocation
// (per chunk when split), so its rounding grows with N. Measured relative to the largest entry
// of the factor (small off-diagonal entries are differences of large terms): at most 2.4e-6
// (N = 4608 rows in one running sum), 1e-7 or below for N < 200.
const RELATIVE_TOLERANCE = 1e-5;

function convPatches(batch: number, channels: number, size: number, kernel: number, stride: number, padding: number): PatchGeometry {
  const outSize = Math.floor((size + 2 * padding - kernel) / stride) + 1;
  return { batch, channels, height: size, width: size, kernel, stride, padding, outHeight: outSize, outWidth: outSize };
}

interface GramCase {
  readonly name: string;
  readonly patch: PatchGeometry;
  /** Makes the input rank-deficient: every channel a copy of channel 0. */
  readonly repeatedChannels?: boolean;
}

const cases: GramCase[] = [
  { name: '1x1 factor of one value', patch: middleAxisPatches(1, 1, 1) },
  { name: 'Linear, 5 rows of 37 features (rank 5)', patch: middleAxisPatches(5, 37, 1) },
  { name: 'Linear, 7 rows of 300 features (64-wide tiles)', patch: middleAxisPatches(7, 300, 1) },
  { name: 'output gradient (B, C, S) = (3, 17, 40)', patch: middleAxisPatches(3, 17, 40) },
  { name: 'conv 3x3 pad 1 on 2x3x9x9', patch: convPatches(2, 3, 9, 3, 1, 1) },
  { name: 'conv 3x3 stride 2 pad 0 on 1x5x11x11', patch: convPatches(1, 5, 11, 3, 2, 0) },
  { name: 'conv 2x2 pad 2 on 2x2x4x4', patch: convPatches(2, 2, 4, 2, 1, 2) },
  { name: 'conv 3x3 stride 2 pad 1 on 3x5x7x7 (odd sizes)', patch: convPatches(3, 5, 7, 3, 2, 1) },
  { name: 'conv with repeated channels (rank-deficient), 2x4x6x6', patch: convPatches(2, 4, 6, 3, 1, 1), repeatedChannels: true },
  { name: 'conv 3x3 pad 1 on 4x3x24x24: rows split over workgroups', patch: convPatches(4, 3, 24, 3, 1, 1) },
  { name: 'conv 1x1 on 2x70x48x48: 3x3 tiles, rows split', patch: convPatches(2, 70, 48, 1, 1, 0) },
];

describe('gram on the GPU', () => {
  for (const { name, patch, repeatedChannels } of cases) {
    it(`matches the reference: ${name}`, async () => {
      const ctx = await testContext();
      const rng = createRng(patchRows(patch) * 31 + patchColumns(patch));
      const { batch, channels, height, width } = patch;
      const x = asFloat32Values(randomArray(rng, batch * channels * height * width));
      if (repeatedChannels) {
        const plane = height * width;
        for (let b = 0; b < batch; b++)
          for (let c = 1; c < channels; c++) x.copyWithin((b * channels + c) * plane, b * channels * plane, (b * channels + 1) * plane);
      }
      const d = patchColumns(patch);
      const previous = asFloat32Values(randomArray(rng, d * d));
      const scale = 1 / patchRows(patch);
      const partialsSize = gpu.gramPartialsSize(patch);

      const tX = upload(ctx, 'x', x);
      const tOut = upload(ctx, 'out', new Float32Array(d * d).fill(123));
      const tAcc = upload(ctx, 'acc', previous);
      const tSplit = upload(ctx, 'split', new Float32Array(d * d).fill(123));
      const tSplitAcc = upload(ctx, 'splitAcc', previous);
      const tPartials = upload(ctx, 'partials', new Float32Array(Math.max(1, partialsSize) + 5));
      const started = performance.now();
      await runPlan(ctx, 'gram', (plan) => {
        gpu.gram(plan, tOut, tX, patch, { scale, accumulate: false, partials: null });
        gpu.gram(plan, tAcc, tX, patch, { scale, accumulate: true, partials: null });
        gpu.gram(plan, tSplit, tX, patch, { scale, accumulate: false, partials: tPartials });
        gpu.gram(plan, tSplitAcc, tX, patch, { scale, accumulate: true, partials: tPartials });
      });
      const ms = performance.now() - started;

      const expected = new Float64Array(d * d);
      ref.gram(expected, x, patch, scale, false);
      const expectedAcc = previous.slice();
      ref.gram(expectedAcc, x, patch, scale, true);
      const largest = maxAbs(expected);
      const checks = [
        ['overwrite', tOut, expected],
        ['accumulate', tAcc, expectedAcc],
        ['overwrite, split', tSplit, expected],
        ['accumulate, split', tSplitAcc, expectedAcc],
      ] as const;
      const errors: string[] = [];
      for (const [mode, tensor, want] of checks) {
        const got = await download(ctx, tensor);
        const result = compareArrays(got, want, { atol: RELATIVE_TOLERANCE * Math.max(largest, maxAbs(want)), rtol: 0 }, `${name}, ${mode}`);
        errors.push(`${mode} ${(result.maxAbsDiff / largest).toExponential(2)}`);
        expect(result.ok, result.report).toBe(true);
        if (mode === 'overwrite' || mode === 'overwrite, split') {
          for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(got[i * d + j], `${mode} symmetric at (${i}, ${j})`).toBe(got[j * d + i]);
        }
      }
      console.log(
        `gram ${name}: d=${d} rows=${patchRows(patch)} chunks=${partialsSize / (d * d) || 1}; max |gpu - ref| / max|ref|: ${errors.join(', ')}; ${ms.toFixed(0)} ms`,
      );
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects a wrong geometry, sizes, a short scratch and aliasing', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'gram-validation', 'test');
    const patch = convPatches(2, 3, 32, 3, 1, 1);
    const x = upload(ctx, 'x', new Float32Array(2 * 3 * 32 * 32));
    const out = upload(ctx, 'out', new Float32Array(27 * 27));
    const short = upload(ctx, 'short', new Float32Array(5));
    const options = { scale: 1, accumulate: false, partials: null };
    expect(gpu.gramPartialsSize(patch)).toBeGreaterThan(0);
    expect(() => gpu.gram(plan, out, x, { ...patch, outHeight: 31 }, options)).toThrow(
      /gram: outHeight is 31, expected 32 = floor\(\(32 \+ 2\*1 - 3\) \/ 1\) \+ 1/,
    );
    expect(() => gpu.gram(plan, short, x, patch, options)).toThrow(/gram: out "short" has 5 elements, expected 729 \(\(C\*K\*K\)\^2 = \(3\*3\*3\)\^2\)/);
    expect(() => gpu.gram(plan, out, short, patch, options)).toThrow(/gram: x "short" has 5 elements, expected 6144/);
    expect(() => gpu.gram(plan, out, x, patch, { ...options, partials: short })).toThrow(
      /gram: partials "short" has 5 elements, needs at least \d+ \(gramPartialsSize\)/,
    );
    expect(() => gpu.gram(plan, out, x, patch, { ...options, partials: out })).toThrow(/gram: out "out" and partials "out" share a GPU buffer/);
    expect(() => gpu.gram(plan, out, x, patch, { ...options, scale: NaN })).toThrow(/gram: scale must be a finite number, got NaN/);
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
