import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './square-sums';
import * as ref from './square-sums.ref';
import type { StridedRun } from './square-sums.ref';

// Float32 sums of positive squares (256 strided partial sums, then a tree): measured worst
// relative error 6e-8 on these cases.
const TOLERANCE = { atol: 0, rtol: 1e-6 };

interface SquareSumsCase {
  readonly name: string;
  readonly size: number;
  readonly runs: readonly StridedRun[];
  readonly piece?: number;
}

const cases: SquareSumsCase[] = [
  { name: 'a 1x1 matrix', size: 1, runs: [ref.diagonalRun(0, 1), ref.matrixRun(0, 1)] },
  {
    name: 'matrices of sides 3, 17 and 1 and a vector in one table',
    size: 9 + 289 + 1 + 40 + 7,
    runs: [
      ref.diagonalRun(0, 3),
      ref.matrixRun(0, 3),
      ref.diagonalRun(9, 17),
      ref.matrixRun(9, 17),
      ref.diagonalRun(298, 1),
      ref.matrixRun(298, 1),
      ref.vectorRun(299, 40),
    ],
  },
  {
    name: 'a 301x301 matrix (odd, longer than the 256-wide loop), cut into pieces of 4096',
    size: 301 * 301 + 3,
    runs: [ref.diagonalRun(3, 301), ref.matrixRun(3, 301)],
  },
  {
    name: 'a 600x600 matrix whose 360000 entries make two default pieces',
    size: 600 * 600,
    runs: [ref.diagonalRun(0, 600), ref.matrixRun(0, 600)],
    piece: gpu.SQUARE_SUMS_PIECE,
  },
];

describe('squareSums on the GPU', () => {
  for (const { name, size, runs, piece = 4096 } of cases) {
    it(`matches the reference: ${name}`, async () => {
      const ctx = await testContext();
      const values = asFloat32Values(randomArray(createRng(size), size, -2, 2));
      const { pieces, of } = gpu.splitRuns(runs, piece);
      const out = upload(ctx, 'out', new Float32Array(pieces.length).fill(-1));
      const table = upload(ctx, 'table', gpu.runTable(pieces), [pieces.length * gpu.RUN_WORDS], 'u32');
      await runPlan(ctx, 'square-sums', (plan) => gpu.squareSums(plan, out, upload(ctx, 'values', values), table, pieces));
      const got = gpu.joinPieces(await download(ctx, out), of, runs.length);
      const expected = ref.squareSums(values, runs);
      const result = compareArrays(got, expected, TOLERANCE, name);
      console.log(
        `squareSums ${name}: ${pieces.length} pieces, worst relative error ${Math.max(...expected.map((e, i) => Math.abs(got[i] - e) / e)).toExponential(1)}`,
      );
      expect(result.ok, result.report).toBe(true);
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects a run past the end, a wrong table or out, and aliasing', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'square-sums-validation', 'test');
    const values = upload(ctx, 'values', new Float32Array(9));
    const runs = [ref.matrixRun(0, 3)];
    const table = upload(ctx, 'table', gpu.runTable(runs), [3], 'u32');
    const out = upload(ctx, 'out', new Float32Array(1));
    expect(() => gpu.squareSums(plan, out, values, table, [ref.matrixRun(1, 3)])).toThrow(
      'squareSums: run 0 (1, 9, 1) reads up to element 9, but values "values" has 9',
    );
    expect(() => gpu.squareSums(plan, out, values, table, [...runs, ...runs])).toThrow('squareSums: out "out" has 1 elements, expected 2 (one sum per run)');
    expect(() => gpu.squareSums(plan, out, values, out, runs)).toThrow('squareSums: table "out" has 1 elements, expected 3 (3 u32 per run)');
    expect(() => gpu.squareSums(plan, out, values, table, [{ offset: 0, count: 0, stride: 1 }])).toThrow(
      'squareSums: run 0 must have a whole offset >= 0, count >= 1',
    );
    expect(() => gpu.squareSums(plan, values, values, table, [ref.matrixRun(0, 1)])).toThrow('squareSums: out "values" has 9 elements, expected 1');
    expect(() => gpu.squareSums(plan, out, values, table, [])).toThrow('squareSums: no runs to sum');
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
