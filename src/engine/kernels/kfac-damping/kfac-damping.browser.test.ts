import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { assertAllClose } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import { ComputePlan } from '../../gpu/compute-plan';
import { packDampingTable, type DampingEntry } from './kfac-damping-layout';
import * as gpu from './kfac-damping';
import * as ref from './kfac-damping.ref';

/** An n x n Gram matrix scale·XᵀX of random rows, rounded to float32. */
function randomGram(seed: number, rows: number, n: number, scale: number): Float64Array {
  const x = randomArray(createRng(seed), rows * n);
  const out = new Float64Array(n * n);
  for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] += scale * x[r * n + i] * x[r * n + j];
  return asFloat32Values(out);
}

// Each ridge is a float32 trace (a sum of up to 130 positive terms), two divisions, a square
// root and a product: a few float32 roundings, measured worst 1.3e-7 relative.
const TOLERANCE = { atol: 0, rtol: 2e-6 };

describe('kfacDamping on the GPU', () => {
  it('matches the reference for 1x1, odd and rank-deficient factors, a zero A (π = 0), a zero B (π = ∞), both zero, and a Woodbury K', async () => {
    const ctx = await testContext();
    const blocks: Float64Array[] = [];
    const entries: DampingEntry[] = [];
    let offset = 0;
    const place = (m: Float64Array) => {
      const at = offset;
      blocks.push(m);
      offset += m.length;
      return at;
    };
    const layer = (a: Float64Array, aSide: number, aDim: number, b: Float64Array, bSide: number) => {
      const index = entries.length;
      entries.push({ aOffset: place(a), aSide, aDim, bOffset: place(b), bSide, ridgeA: 2 * index, ridgeB: 2 * index + 1 });
    };
    layer(randomGram(1, 1, 1, 1), 1, 1, randomGram(2, 3, 1, 4), 1);
    layer(randomGram(3, 40, 27, 1 / 40), 27, 27, randomGram(4, 40, 5, 40), 5);
    layer(randomGram(5, 2, 130, 0.5), 130, 130, randomGram(6, 7, 10, 7), 10);
    layer(new Float64Array(9), 3, 3, randomGram(7, 4, 2, 1), 2);
    layer(randomGram(8, 4, 3, 1), 3, 3, new Float64Array(4), 2);
    layer(new Float64Array(4), 2, 2, new Float64Array(4), 2);
    // Woodbury: K = s·XXᵀ of 3 rows (3x3) stands for an A of dim 50.
    layer(randomGram(9, 50, 3, 1 / 3), 3, 50, randomGram(10, 3, 4, 3), 4);
    const factors = new Float64Array(offset);
    let at = 0;
    for (const block of blocks) {
      factors.set(block, at);
      at += block.length;
    }
    const ridgeCount = 2 * entries.length;
    const tFactors = upload(ctx, 'factors', factors);
    const tRidges = upload(ctx, 'ridges', new Float32Array(ridgeCount).fill(-1));
    const tTable = upload(ctx, 'table', packDampingTable(entries), undefined, 'u32');
    for (const damping of [1e-3, 0.3]) {
      await runPlan(ctx, 'kfac-damping', (plan) => gpu.kfacDamping(plan, tRidges, tFactors, tTable, damping));
      const expected = new Float64Array(ridgeCount).fill(-1);
      ref.kfacDamping(expected, factors, entries, damping);
      const got = await download(ctx, tRidges);
      assertAllClose(got, expected, TOLERANCE, `ridges at λ = ${damping}`);
      // The degenerate layers keep λ on both sides exactly.
      for (const index of [3, 4, 5]) expect([got[2 * index], got[2 * index + 1]]).toEqual([Math.fround(damping), Math.fround(damping)]);
    }
  });

  it('names the op and the table at launch', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'kfac-damping-checks', 'test');
    const ridges = upload(ctx, 'ridges', [0, 0]);
    const factors = upload(ctx, 'factors', [1]);
    expect(() => gpu.kfacDamping(plan, ridges, factors, upload(ctx, 'short', [1, 2, 3], undefined, 'u32'), 1e-3)).toThrow(
      'kfacDamping: table "short" must hold 8 u32 words per layer, got 3 u32',
    );
    const table = upload(ctx, 'table', new Uint32Array(8), undefined, 'u32');
    expect(() => gpu.kfacDamping(plan, ridges, factors, table, 0)).toThrow('kfacDamping: damping must be > 0, got 0');
    expect(() => gpu.kfacDamping(plan, ridges, ridges, table, 1e-3)).toThrow(/share a GPU buffer/);
  });
});
