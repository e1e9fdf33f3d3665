import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import type { GpuContext } from '../../gpu/context';
import { readTensor, readTensorU32, writeTensor } from '../../gpu/transfer';
import { testContext } from '../../testing/gpu-test';
import { gramOfRandomRows } from '../../testing/random-statistics';
import { matrixTable, packMatrices, unpackMatrices, type MatrixTable } from '../matrix-table';
import { createInverseRoots, type InverseRootSpec, type MatrixRootState } from './matrix-root';
import { inverseRoot, inverseRootsPacked, powerIterationStart, type InverseRootResult } from './matrix-root.ref';

const SEED = 21;
const STREAM = 4;

interface Case {
  readonly label: string;
  /** Rows of the random gradient: fewer than n makes the statistic rank-deficient. */
  readonly rows: number;
  readonly n: number;
  readonly p: number;
  /** Added to the diagonal: well conditioned when large, ASDL's 1e-12 start otherwise. */
  readonly shift: number;
}

const CASES: readonly Case[] = [
  { label: '16 x 16, well conditioned, p = 4', rows: 40, n: 16, p: 4, shift: 16 },
  { label: '9 x 9 from a 2 x 9 gradient, p = 8', rows: 2, n: 9, p: 8, shift: 1e-12 },
  { label: '1 x 1', rows: 3, n: 1, p: 4, shift: 0 },
  { label: '5 x 5, p = 8', rows: 7, n: 5, p: 8, shift: 5 },
  { label: '3 x 3, p = 4', rows: 4, n: 3, p: 4, shift: 3 },
  { label: '70 x 70 (two tiles a side), p = 4', rows: 100, n: 70, p: 4, shift: 70 },
  { label: '2 x 2, p = 2', rows: 3, n: 2, p: 2, shift: 2 },
  { label: '33 x 33 from a 5 x 33 gradient, p = 8', rows: 5, n: 33, p: 8, shift: 1e-12 },
];

/** The statistics as float32 holds them. */
function statisticsOf(cases: readonly Case[]): Float64Array[] {
  return cases.map(({ rows, n, shift }, index) => {
    const s = gramOfRandomRows(rows, n, 100 + index);
    for (let i = 0; i < n; i++) s[i * n + i] += shift;
    return Float64Array.from(Float32Array.from(s));
  });
}

interface Run {
  readonly roots: Float32Array;
  readonly statistics: Float32Array;
  readonly states: MatrixRootState[];
  readonly status: Uint32Array;
  readonly dispatches: number;
}

async function runGpu(
  ctx: GpuContext,
  table: MatrixTable,
  exponents: readonly number[],
  packed: Float64Array,
  options: { step?: number; status?: number[]; spec?: Pick<InverseRootSpec, 'maxIterations' | 'powerIterations'> } = {},
): Promise<Run> {
  const owner = 'matrix-root-test';
  try {
    const statistics = ctx.pool.tensor('root-test:statistics', [table.totalElements], owner);
    const roots = ctx.pool.tensor('root-test:roots', [table.totalElements], owner);
    const step = ctx.pool.tensor('root-test:step', [1], owner, 'u32');
    const status = ctx.pool.tensor('root-test:status', [3], owner, 'u32');
    writeTensor(ctx, statistics, Float32Array.from(packed));
    writeTensor(ctx, step, [options.step ?? 0]);
    writeTensor(ctx, status, options.status ?? [0, 0, 0]);
    const batch = createInverseRoots(ctx, owner, {
      statistics,
      roots,
      table,
      exponents,
      step,
      status,
      seed: SEED,
      stream: STREAM,
      damping: 1e-12,
      ...options.spec,
    });
    const plan = new ComputePlan(ctx, 'root-test', owner);
    batch.record(plan);
    expect(plan.dispatchCount).toBe(batch.dispatches);
    await plan.compile();
    plan.run();
    const run = {
      roots: await readTensor(ctx, roots),
      statistics: await readTensor(ctx, statistics),
      states: await batch.readState(),
      status: await readTensorU32(ctx, status),
      dispatches: batch.dispatches,
    };
    plan.dispose();
    return run;
  } finally {
    ctx.pool.releaseOwner(owner);
  }
}

function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/**
 * GPU root against the float64 twin's, relative to its largest entry. Well conditioned: the
 * iteration stops at max|M - I| <= 1e-6 on both sides, after the same steps, so the roots agree to
 * float32 rounding carried through a few products; measured worst 1.2e-6 (the 70 x 70).
 * Rank-deficient: float32 leaves the null eigenvalues at about ±1e-7 λmax, which each step
 * multiplies by up to (1 + 1/p)^p, so the null-space part of the root carries float32 noise
 * amplified the same way; against the twin after as many steps, measured worst 2.2e-2 (the 9 x 9).
 */
const ROOT_TOLERANCE = 3e-6;
const RANK_DEFICIENT_ROOT_TOLERANCE = 0.06;

describe('inverseRoots on the GPU against the float64 twin', () => {
  it('takes the same steps and stops for the same reason on every matrix of a mixed batch, in one set of dispatches', async () => {
    const ctx = await testContext();
    const table = matrixTable(
      CASES.map((c) => c.n),
      ctx.storageAlignment,
    );
    const exponents = CASES.map((c) => c.p);
    const statistics = statisticsOf(CASES);
    const packed = packMatrices(table, statistics);
    const gpu = await runGpu(ctx, table, exponents, packed, { step: 9 });
    const twinStatistics = Float64Array.from(packed);
    const twin = inverseRootsPacked(table, twinStatistics, exponents, { seed: SEED, stream: STREAM, step: 9 }, { damping: 1e-12 });
    const gpuRoots = unpackMatrices(table, gpu.roots);
    const twinRoots = unpackMatrices(table, twin.roots);
    const gpuStatistics = unpackMatrices(table, gpu.statistics);
    const twinAfter = unpackMatrices(table, twinStatistics);
    CASES.forEach((c, index) => {
      const state = gpu.states[index];
      const expected: InverseRootResult = twin.results[index];
      const rankDeficient = c.rows < c.n;
      // A rank-deficient statistic stops where float32 noise makes the error rise, one step apart
      // at most (measured); its root is compared with the twin's after as many steps as the GPU took.
      const twinRoot = rankDeficient
        ? inverseRoot(Float64Array.from(statistics[index]), c.n, c.p, powerIterationStart(c.n, SEED, STREAM, 9, index), {
            damping: 1e-12,
            maxIterations: state.iterations,
          }).root
        : twinRoots[index];
      const rootError = relativeDifference(gpuRoots[index], twinRoot);
      console.log(
        `${c.label}: GPU ${state.stop} after ${state.iterations} steps (err ${state.error.toExponential(2)}), twin ${expected.stop} after ${expected.iterations}; root ${rootError.toExponential(2)}`,
      );
      expect(state.stop, c.label).toBe(expected.stop);
      if (rankDeficient) expect(Math.abs(state.iterations - expected.iterations), c.label).toBeLessThanOrEqual(1);
      else expect(state.iterations, c.label).toBe(expected.iterations);
      expect(gpuRoots[index].every(Number.isFinite), c.label).toBe(true);
      expect(rootError, c.label).toBeLessThan(rankDeficient ? RANK_DEFICIENT_ROOT_TOLERANCE : ROOT_TOLERANCE);
      if (c.n === 1) {
        expect([...gpuRoots[index]]).toEqual([1]);
        return;
      }
      // λmax to float32 accuracy; the power iteration's absolute tolerance of 1e-6 is below a
      // float32 ulp of these λ, so the GPU runs until its estimate repeats exactly, the twin less.
      expect(Math.abs(state.lambda - expected.lambda) / expected.lambda, c.label).toBeLessThan(1e-5);
      // The ridge went into the statistic itself.
      expect(relativeDifference(gpuStatistics[index], twinAfter[index]), c.label).toBeLessThan(1e-6);
    });
    expect([...gpu.status]).toEqual([0, 0, 0]);
    expect(gpu.dispatches).toBe(4 + 100 * (Math.log2(8) + 2));
  });

  it('keeps the root before a rejected step: a rerun stopped one step earlier gives the same bits', async () => {
    const ctx = await testContext();
    const cases = CASES.filter((c) => c.rows < c.n);
    const table = matrixTable(
      cases.map((c) => c.n),
      ctx.storageAlignment,
    );
    const exponents = cases.map((c) => c.p);
    const packed = packMatrices(table, statisticsOf(cases));
    const full = await runGpu(ctx, table, exponents, packed);
    expect(full.states.map((state) => state.stop)).toEqual(cases.map(() => 'rejected'));
    const accepted = full.states.map((state) => state.iterations);
    for (const [index, iterations] of accepted.entries()) {
      const stopped = await runGpu(ctx, table, exponents, packed, { spec: { maxIterations: iterations } });
      expect(stopped.states[index]).toMatchObject({ stop: 'limit', iterations });
      const [wanted, got] = [unpackMatrices(table, full.roots)[index], unpackMatrices(table, stopped.roots)[index]];
      expect(got).toEqual(wanted);
    }
  });

  it('draws the power iteration start from Philox with counter (i/4, step, matrix, 0), as the twin does', async () => {
    const ctx = await testContext();
    const table = matrixTable([6, 6, 11], ctx.storageAlignment);
    const exponents = [4, 4, 8];
    const packed = packMatrices(table, statisticsOf(CASES.slice(0, 3).map((c) => ({ ...c, n: c.n === 1 ? 11 : 6, rows: 8, shift: 1 }))));
    // One power iteration: λ is the Rayleigh quotient of the start vector itself.
    for (const step of [0, 5]) {
      const gpu = await runGpu(ctx, table, exponents, packed, { step, spec: { powerIterations: 1, maxIterations: 0 } });
      const twin = inverseRootsPacked(
        table,
        Float64Array.from(packed),
        exponents,
        { seed: SEED, stream: STREAM, step },
        { damping: 1e-12, powerIterations: 1, maxIterations: 0 },
      );
      gpu.states.forEach((state, index) => {
        expect(state.powerIterations).toBe(1);
        expect(Math.abs(state.lambda - twin.results[index].lambda) / twin.results[index].lambda).toBeLessThan(1e-6);
      });
      // The two 6 x 6 statistics are the same, but their starts (matrix 0 and 1) are not.
      expect(gpu.states[0].lambda).not.toBe(gpu.states[1].lambda);
    }
  });

  it('reports the first root that turned non-finite (matrix and step) and keeps it', async () => {
    const ctx = await testContext();
    const table = matrixTable([3, 4, 5], ctx.storageAlignment);
    const exponents = [4, 8, 4];
    const matrices = statisticsOf(CASES.slice(2, 5).map((c, i) => ({ ...c, n: 3 + i, rows: 6, shift: 1 })));
    matrices[1][5] = NaN;
    const gpu = await runGpu(ctx, table, exponents, packMatrices(table, matrices), { step: 17 });
    expect([...gpu.status]).toEqual([1, 1, 17]);
    expect(unpackMatrices(table, gpu.roots)[0].every(Number.isFinite)).toBe(true);
    matrices[0][0] = Infinity;
    const later = await runGpu(ctx, table, exponents, packMatrices(table, matrices), { step: 18, status: [1, 1, 17] });
    expect([...later.status]).toEqual([1, 1, 17]);
  });

  it('records as many dispatches for 2 matrices as for 40, and finishes a batch of 1 x 1 statistics without Newton steps', async () => {
    const ctx = await testContext();
    const owner = 'matrix-root-count';
    const make = (sides: number[], exponents: number[], maxIterations?: number) => {
      const table = matrixTable(sides, ctx.storageAlignment);
      const tensor = (label: string, size: number, dtype: 'f32' | 'u32' = 'f32') => ctx.pool.tensor(label, [size], owner, dtype);
      return createInverseRoots(ctx, owner, {
        statistics: tensor('s', table.totalElements),
        roots: tensor('r', table.totalElements),
        table,
        exponents,
        step: tensor('step', 1, 'u32'),
        status: tensor('status', 3, 'u32'),
        seed: 0,
        stream: 0,
        damping: 1e-12,
        maxIterations,
      });
    };
    try {
      const few = make([3, 4], [4, 8]);
      const many = make(
        Array.from({ length: 40 }, (_, i) => 2 + (i % 9)),
        Array.from({ length: 40 }, (_, i) => (i % 2 ? 4 : 8)),
      );
      expect(few.dispatches).toBe(many.dispatches);
      expect(few.dispatches).toBe(4 + 100 * 5);
      expect(make([5], [4], 10).dispatches).toBe(4 + 10 * 4);
      expect(make([1, 1], [4, 8]).dispatches).toBe(3);
    } finally {
      ctx.pool.releaseOwner(owner);
    }
  });

  it('names the op and the problem at launch', async () => {
    const ctx = await testContext();
    const owner = 'matrix-root-checks';
    const table = matrixTable([3, 4], ctx.storageAlignment);
    const f = (label: string, size: number) => ctx.pool.tensor(label, [size], owner);
    const u = (label: string, size: number) => ctx.pool.tensor(label, [size], owner, 'u32');
    const good: InverseRootSpec = {
      statistics: f('stats', table.totalElements),
      roots: f('roots', table.totalElements),
      table,
      exponents: [4, 8],
      step: u('step', 1),
      status: u('status', 3),
      seed: 0,
      stream: 0,
      damping: 1e-12,
    };
    try {
      expect(() => createInverseRoots(ctx, owner, { ...good, exponents: [4, 6] })).toThrow(
        'inverseRoots: p of matrix 1 must be one of 2, 4, 8, 16, 32 (T^p by repeated squaring), got 6',
      );
      expect(() => createInverseRoots(ctx, owner, { ...good, exponents: [4] })).toThrow('inverseRoots: 1 exponents for 2 matrices');
      expect(() => createInverseRoots(ctx, owner, { ...good, roots: f('short', 5) })).toThrow(
        /inverseRoots: roots "short" has 5 elements, expected \d+ \(the matrix table\)/,
      );
      expect(() => createInverseRoots(ctx, owner, { ...good, roots: good.statistics })).toThrow('inverseRoots: statistics "stats" and roots "stats" overlap');
      expect(() => createInverseRoots(ctx, owner, { ...good, step: f('f32-step', 1) })).toThrow('inverseRoots: step "f32-step" has dtype f32, expected u32');
      expect(() => createInverseRoots(ctx, owner, { ...good, seed: -1 })).toThrow('inverseRoots: seed must be a whole number in 0..2^32-1, got -1');
      expect(() => createInverseRoots(ctx, owner, { ...good, maxIterations: 1.5 })).toThrow('inverseRoots: maxIterations must be a whole number >= 0, got 1.5');
    } finally {
      ctx.pool.releaseOwner(owner);
    }
  });
});
