import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './minmax-average';
import * as ref from './minmax-average.ref';

// Entries of keep * D + add * (v - min) / range in float32 against float64 from the same float32
// inputs: a few roundings of values below 1; measured worst 9e-9.
const TOLERANCE = { atol: 1e-7, rtol: 1e-6 };

interface AverageCase {
  readonly name: string;
  readonly vectors: readonly ref.FlatVector[];
  readonly total: number;
  readonly piece?: number;
}

const cases: AverageCase[] = [
  {
    name: 'a 1x1 factor, a constant 3x3 one and a 17x17 one in pieces of 50, padding between them',
    vectors: [
      { offset: 0, length: 1 },
      { offset: 64, length: 9 },
      { offset: 128, length: 289 },
    ],
    total: 448,
    piece: 50,
  },
  { name: 'a 301x301 factor in pieces of 16384 (six)', vectors: [{ offset: 0, length: 301 * 301 }], total: 301 * 301, piece: 16384 },
  {
    name: 'a 301x301 factor and a 7x7 one, one piece each',
    vectors: [
      { offset: 0, length: 301 * 301 },
      { offset: 90624, length: 49 },
    ],
    total: 90624 + 64,
  },
];

describe('minMaxAverage on the GPU', () => {
  for (const { name, vectors, total, piece } of cases) {
    it(`matches the reference: ${name}`, async () => {
      const ctx = await testContext();
      const rng = createRng(total);
      const raw = asFloat32Values(randomArray(rng, total, -3, 5));
      raw.fill(0.25, 64, 73);
      const initial = asFloat32Values(randomArray(rng, total, 0, 1));
      const { table, pieces } = gpu.minMaxAverageTable(vectors, piece);
      const factors = upload(ctx, 'factors', initial);
      await runPlan(ctx, 'minmax-average', (plan) =>
        gpu.minMaxAverage(
          plan,
          factors,
          upload(ctx, 'raw', raw),
          upload(ctx, 'table', table, [table.length], 'u32'),
          upload(ctx, 'ranges', new Float32Array(2 * pieces)),
          vectors,
          0.08,
          0.008,
          piece,
        ),
      );
      const expected = ref.minMaxAverage(initial.slice(), raw, vectors, 0.08, 0.008);
      const got = await download(ctx, factors);
      const result = compareArrays(got, expected, TOLERANCE, name);
      console.log(
        `minMaxAverage ${name}: ${pieces} pieces, worst |gpu - ref| ${Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i]))).toExponential(1)}`,
      );
      expect(result.ok, result.report).toBe(true);
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects vectors outside the buffer, a short table or ranges, and aliasing', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'minmax-validation', 'test');
    const factors = upload(ctx, 'factors', new Float32Array(9));
    const raw = upload(ctx, 'raw', new Float32Array(9));
    const vectors = [{ offset: 0, length: 9 }];
    const table = upload(ctx, 'table', gpu.minMaxAverageTable(vectors).table, [4], 'u32');
    const ranges = upload(ctx, 'ranges', new Float32Array(2));
    expect(() => gpu.minMaxAverage(plan, factors, raw, table, ranges, [{ offset: 5, length: 5 }], 0.08, 0.008)).toThrow(
      'minMaxAverage: vector 0 (offset 5, length 5) must be non-empty and lie inside factors "factors" of 9',
    );
    expect(() => gpu.minMaxAverage(plan, factors, raw, table, ranges, vectors, 0.08, 0.008, 4)).toThrow(
      'minMaxAverage: table "table" has 4 elements, expected 12 (4 u32 per piece of at most 4 values)',
    );
    expect(() => gpu.minMaxAverage(plan, factors, raw, table, factors, vectors, 0.08, 0.008)).toThrow(
      'minMaxAverage: ranges "factors" has 9 elements, expected 2',
    );
    expect(() => gpu.minMaxAverage(plan, factors, factors, table, ranges, vectors, 0.08, 0.008)).toThrow('share a GPU buffer');
    expect(() => gpu.minMaxAverage(plan, factors, raw, table, ranges, vectors, NaN, 0.008)).toThrow('minMaxAverage: keep must be a finite number, got NaN');
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
