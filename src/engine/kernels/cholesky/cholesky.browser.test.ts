import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray, type Rng } from '../../random';
import { download, runPlan, testContext, upload } from '../../testing/gpu-test';
import { matrixTable, packMatrices, unpackMatrices } from '../matrix-table';
import * as gpu from './cholesky';
import * as ref from './cholesky.ref';
import { maxAbs } from '../../testing/max-error';

// Float32 rounding in a Cholesky inverse grows with the condition number κ of A = M + ridge I.
// Measured max |gpu - ref| / max |ref| over κ: at most 4.2e-8 (n = 300, κ = 7.2e3, error 3.0e-4);
// 1.8e-7 absolute for κ = 11. The bound is κ times 2e-7, with 1e-6 for the best-conditioned.
const RELATIVE_TOLERANCE_PER_CONDITION = 2e-7;

/** X^T X / rows for `rows` random rows of n values: rank min(rows, n). */
function gramOfRandomRows(rng: Rng, rows: number, n: number): Float64Array {
  const X = Float32Array.from(randomArray(rng, rows * n));
  const M = new Float64Array(n * n);
  for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] += (X[r * n + i] * X[r * n + j]) / rows;
  return Float64Array.from(Float32Array.from(M));
}

/** κ(A) by power iteration on A and on A^-1 (both symmetric positive definite). */
function conditionNumber(A: Float64Array, inverse: Float64Array, n: number): number {
  const largest = (S: Float64Array) => {
    let v = new Float64Array(n).fill(1 / Math.sqrt(n));
    let lambda = 0;
    for (let iteration = 0; iteration < 200; iteration++) {
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i] += S[i * n + j] * v[j];
      lambda = Math.hypot(...w);
      v = w.map((value) => value / lambda);
    }
    return lambda;
  };
  return largest(A) * largest(inverse);
}

interface InverseCase {
  readonly name: string;
  readonly M: Float64Array;
  readonly n: number;
  readonly ridge: number;
}

function cases(): InverseCase[] {
  const rng = createRng(12);
  const withRidge = (name: string, M: Float64Array, n: number, relative: number): InverseCase => {
    let trace = 0;
    for (let i = 0; i < n; i++) trace += M[i * n + i];
    return { name, M, n, ridge: Math.fround((relative * trace) / n) };
  };
  return [
    { name: '1x1', M: Float64Array.of(4), n: 1, ridge: 0 },
    { name: '2x2 by hand', M: Float64Array.of(4, 2, 2, 3), n: 2, ridge: 0 },
    { name: '3x3 by hand', M: Float64Array.of(4, 12, -16, 12, 37, -43, -16, -43, 98), n: 3, ridge: 0 },
    { name: 'singular 2x2 made invertible by the ridge', M: Float64Array.of(1, 1, 1, 1), n: 2, ridge: 1 },
    withRidge('17x17 full rank', gramOfRandomRows(rng, 40, 17), 17, 0.01),
    withRidge('37x37 of rank 5, ridge 3% (K-FAC-like)', gramOfRandomRows(rng, 5, 37), 37, 0.03),
    withRidge('130x130 of rank 64', gramOfRandomRows(rng, 64, 130), 130, 0.01),
    withRidge('300x300 of rank 100, ridge 1e-3', gramOfRandomRows(rng, 100, 300), 300, 1e-3),
  ];
}

describe('batched SPD inverse on the GPU', () => {
  it('matches the reference on a table of matrices of different sizes, each with its own ridge', async () => {
    const ctx = await testContext();
    const all = cases();
    // Two matrices that are not positive definite: they must come out all NaN, and the others unharmed.
    const indefinite = { name: 'indefinite', M: Float64Array.of(1, 2, 2, 1), n: 2, ridge: 0 };
    const singular = { name: 'singular, no ridge', M: Float64Array.of(1, 1, 1, 1), n: 2, ridge: 0 };
    const withFailures = [...all.slice(0, 2), indefinite, ...all.slice(2, 5), singular, ...all.slice(5)];
    const table = matrixTable(
      withFailures.map((entry) => entry.n),
      ctx.storageAlignment,
    );
    const inp = packMatrices(
      table,
      withFailures.map((entry) => entry.M),
    );
    const ridge = withFailures.map((entry) => entry.ridge);
    const tOut = upload(ctx, 'out', new Float32Array(table.totalElements).fill(123));
    await runPlan(ctx, 'cholesky', (plan) =>
      gpu.choleskyInverse(
        plan,
        tOut,
        upload(ctx, 'inp', inp),
        upload(ctx, 'ridge', ridge),
        upload(ctx, 'table', table.words, [table.words.length], 'u32'),
        table,
      ),
    );
    const got = unpackMatrices(table, await download(ctx, tOut));
    const expected = new Float64Array(table.totalElements);
    ref.choleskyInverse(expected, inp, ridge, table);
    const wanted = unpackMatrices(table, expected);
    withFailures.forEach((entry, index) => {
      const { name, n } = entry;
      if (entry === indefinite || entry === singular) {
        expect(Array.from(got[index]).every(Number.isNaN), `${name}: all NaN`).toBe(true);
        return;
      }
      const A = entry.M.map((value, e) => value + (e % (n + 1) === 0 ? entry.ridge : 0));
      const kappa = conditionNumber(A, wanted[index], n);
      const error = maxAbs(got[index].map((value, e) => value - wanted[index][e])) / maxAbs(wanted[index]);
      console.log(`cholesky ${name}: n=${n} κ=${kappa.toPrecision(3)} max |gpu - ref| / max |ref| = ${error.toExponential(2)}`);
      expect(error, name).toBeLessThanOrEqual(RELATIVE_TOLERANCE_PER_CONDITION * Math.max(5, kappa));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(got[index][i * n + j], `${name} symmetric`).toBe(got[index][j * n + i]);
    });
    ctx.pool.releaseOwner('test');
  });

  it('times one 576x576 and one 144x144 inverse (console only)', async () => {
    const ctx = await testContext();
    const rng = createRng(576);
    for (const n of [144, 576]) {
      const table = matrixTable([n], ctx.storageAlignment);
      const M = gramOfRandomRows(rng, n, n);
      const tOut = upload(ctx, 'out', new Float32Array(n * n));
      const plan = new ComputePlan(ctx, `cholesky-${n}`, 'test');
      gpu.choleskyInverse(plan, tOut, upload(ctx, 'inp', M), upload(ctx, 'ridge', [0.01]), upload(ctx, 'table', table.words, [2], 'u32'), table);
      await plan.compile();
      const times: number[] = [];
      for (let run = 0; run < 2; run++) {
        const started = performance.now();
        plan.run();
        await ctx.device.queue.onSubmittedWorkDone();
        times.push(performance.now() - started);
      }
      const out = await download(ctx, tOut);
      const expected = ref.spdInverse(M, n, Math.fround(0.01));
      const error = maxAbs(out.map((value, e) => value - expected[e])) / maxAbs(expected);
      console.log(`cholesky timing n=${n}: ${times.map((t) => t.toFixed(0)).join(', ')} ms; max |gpu - ref| / max |ref| = ${error.toExponential(2)}`);
      expect(error).toBeLessThan(1e-3);
      plan.dispose();
    }
    ctx.pool.releaseOwner('test');
  });

  it('rejects mismatched tables, ridges and aliasing', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'cholesky-validation', 'test');
    const table = matrixTable([2, 3], 4);
    const tTable = upload(ctx, 'table', table.words, [4], 'u32');
    const packed = upload(ctx, 'packed', new Float32Array(13));
    const out = upload(ctx, 'out', new Float32Array(13));
    const ridge = upload(ctx, 'ridge', new Float32Array(2));
    expect(() => gpu.choleskyInverse(plan, out, packed, upload(ctx, 'one', new Float32Array(1)), tTable, table)).toThrow(
      /choleskyInverse: ridge "one" has 1 elements, expected 2 \(one per matrix, 2\)/,
    );
    expect(() => gpu.choleskyInverse(plan, upload(ctx, 'short', new Float32Array(12)), packed, ridge, tTable, table)).toThrow(
      /choleskyInverse: out "short" has 12 elements, expected 13/,
    );
    expect(() => gpu.choleskyInverse(plan, out, packed, ridge, upload(ctx, 'floats', new Float32Array(4)), table)).toThrow(
      /choleskyInverse: table "floats" has dtype f32, expected u32/,
    );
    expect(() => gpu.choleskyInverse(plan, packed, packed, ridge, tTable, table)).toThrow(/choleskyInverse: out "packed" and inp "packed" share a GPU buffer/);
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
