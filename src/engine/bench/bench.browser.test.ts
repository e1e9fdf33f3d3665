import { DEFAULT_SETUP_CONFIG } from './bench-configs';
import { runPipeliningBench } from './pipelining-bench';
import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/gpu-test';
import { runBench } from './bench';
import type { BenchRow } from './bench-report';

// Small on purpose (SwiftShader runs a few GFLOP/s at best): cnn-small at batch 2, one
// warm-up step and two timed ones, SGD and AdaFisher.
const STEPS = 2;

/** The rows alone: none of the sections after them. */
const ROWS_ONLY = { presets: ['cnn-small'], batch: 2, warmup: 1, steps: STEPS, landscape: null, inspect: null, firstStep: false, pipelining: null };

describe('runBench', () => {
  it('reports consistent rows for SGD and AdaFisher on cnn-small', async () => {
    const ctx = await testContext();
    const streamed: BenchRow[] = [];
    const started: string[] = [];
    const result = await runBench(
      ctx,
      { ...ROWS_ONLY, optimizers: ['sgd', 'adafisher'] },
      (row) => streamed.push(row),
      (preset, optimizer) => started.push(`${preset}/${optimizer}`),
    );

    expect(started).toEqual(['cnn-small/sgd', 'cnn-small/adafisher']);
    expect(result.landscape).toBeNull();
    expect(streamed).toEqual(result.rows);
    expect(result.options).toMatchObject({ presets: ['cnn-small'], batch: 2, warmup: 1, steps: STEPS });
    const [sgd, adafisher] = result.rows;
    for (const row of result.rows) {
      expect(row).toMatchObject({
        preset: 'cnn-small',
        batch: 2,
        departures: [],
        // Every step of SGD and AdaFisher (tcov 100: its factor step is timed apart) does the same work.
        curvature_interval: 1,
        timed_first_step: 1,
        timed_steps: STEPS,
        ms_statistic: 'median',
        submits_per_step: 1,
        buffer_creations_per_step: 0,
        readbacks_per_step: 1 / STEPS,
        vs_adam: null,
      });
      expect(row.optimizer_config.type).toBe(row.optimizer);
      expect(row.ms_per_step).toBe(row.ms_per_step_median);
      expect(row.ms_per_step_min).toBeGreaterThan(0);
      expect(row.ms_per_step_min).toBeLessThanOrEqual(row.ms_per_step_median);
      expect(row.ms_per_step_median).toBeLessThanOrEqual(row.ms_per_step_max);
      expect(row.ms_per_step_mean).toBeGreaterThanOrEqual(row.ms_per_step_min);
      expect(row.ms_per_step_mean).toBeLessThanOrEqual(row.ms_per_step_max);
      expect(row.images_per_second).toBeCloseTo(2 / (row.ms_per_step / 1000), 6);
      expect(row.optimizer_dispatches).toBeGreaterThan(0);
      expect(row.dispatches_per_step).toBe(row.model_dispatches + row.optimizer_dispatches);
      expect([row.dispatches_per_step_min, row.dispatches_per_step_max]).toEqual([row.dispatches_per_step, row.dispatches_per_step]);
      expect(Number.isFinite(row.loss_last)).toBe(true);
      expect(row.gpu_bytes.parameters).toBeGreaterThan(0);
      expect(row.gpu_bytes.gradients).toBe(row.gpu_bytes.parameters);
      expect(row.gpu_bytes.optimizer_state).toBeGreaterThan(0);
    }
    expect(sgd.model_dispatches).toBe(adafisher.model_dispatches);
    expect(sgd).toMatchObject({
      optimizer: 'sgd',
      factor_measurements_in_window: null,
      ms_measurement_step: null,
      dispatches_measurement_step: null,
      ms_per_step_amortized: null,
    });

    // tcov 100: steps 1 and 2 update only; step 100, timed apart, also measures the factors.
    expect(adafisher.optimizer).toBe('adafisher');
    expect(adafisher.factor_measurements_in_window).toBe(0);
    expect(adafisher.ms_measurement_step).toBeGreaterThan(0);
    expect(adafisher.dispatches_measurement_step).toBeGreaterThan(adafisher.dispatches_per_step);
    expect(adafisher.ms_per_step_amortized).toBeCloseTo(
      adafisher.ms_per_step_median + (adafisher.ms_measurement_step! - adafisher.ms_per_step_median) / 100,
      9,
    );
    // SGD with momentum holds one buffer the size of the parameters; AdaFisher adds its factors.
    expect(adafisher.gpu_bytes.optimizer_state).toBeGreaterThan(sgd.gpu_bytes.optimizer_state);

    // Every row's model and optimizer were destroyed.
    expect([...ctx.pool.owners()].filter(([owner, bytes]) => owner.startsWith('bench:') && bytes !== 0)).toEqual([]);
  });

  it('profiles one step per row when asked, every dispatch of it once, and none otherwise', async () => {
    const ctx = await testContext();
    const options = { ...ROWS_ONLY, optimizers: ['adam' as const] };
    const [plain] = (await runBench(ctx, options)).rows;
    expect(plain.profile).toBeUndefined();
    const [row] = (await runBench(ctx, { ...options, profile: 'op-by-op' })).rows;
    const profile = row.profile!;
    expect(profile).toMatchObject({ method: 'op-by-op', step: row.timed_first_step + row.timed_steps });
    expect(profile.dispatches).toHaveLength(row.dispatches_per_step);
    expect(profile.dispatches.filter((d) => d.phase === 'optimizer').map((d) => d.op)).toEqual(['adam_update']);
    expect(profile.by_phase.map((g) => g.name)).toEqual(['forward', 'backward', 'optimizer']);
    // The profiled step comes after the timed ones: their counters are a plain step's.
    expect(row).toMatchObject({ submits_per_step: 1, buffer_creations_per_step: 0 });
  });

  it("measures the landscape's cost: training off and on, what snapshots add to a step, and one whole grid", async () => {
    const ctx = await testContext();
    // The least the measurement allows: 11 steps (a snapshot at 10), a 3 x 3 grid on 8 examples.
    const { landscape } = await runBench(ctx, {
      presets: ['cnn-small'],
      optimizers: ['adam'],
      batch: 2,
      warmup: 1,
      steps: 1,
      landscape: { steps: 11, grid: 3, evalSize: 8 },
      inspect: null,
      firstStep: false,
      pipelining: null,
    });
    expect(landscape).toMatchObject({
      preset: 'cnn-small',
      steps: 11,
      snapshot_every: 10,
      share: 0.2,
      snapshot_buffer_creations_per_step: 0,
      snapshot_readbacks_per_step: 0,
      snapshot_submits_per_step: 1,
      grid: 3,
      eval_size: 8,
      grid_forwards: 9,
    });
    expect(landscape!.wall_ratio).toBeCloseTo(landscape!.wall_ms_per_step_on / landscape!.wall_ms_per_step_off, 9);
    expect(landscape!.grid_ms).toBeGreaterThan(0);
    // Every trainer's runs and landscape were destroyed.
    expect([...ctx.pool.owners()].filter(([owner, bytes]) => (owner.startsWith('run:') || owner.startsWith('landscape')) && bytes !== 0)).toEqual([]);
  });

  it("measures the inspector's cost: never opened against opened then closed, a measurement's extra time, and the analysis", async () => {
    const ctx = await testContext();
    const { inspect } = await runBench(ctx, {
      presets: ['cnn-small'],
      optimizers: ['adam'],
      batch: 2,
      warmup: 1,
      steps: 1,
      landscape: null,
      firstStep: false,
      pipelining: null,
      inspect: { steps: 3, analysisSizes: [5, 16] },
    });
    expect(inspect).toMatchObject({ preset: 'cnn-small', steps: 3 });
    // Closed, the inspector leaves nothing in the step: the same device work as never opened.
    expect(inspect!.closed).toEqual(inspect!.off);
    expect(inspect!.off).toEqual({ readbacks_per_step: 0, submits_per_step: 1, buffer_creations_per_step: 0 });
    expect(inspect!.closed_ratio).toBeCloseTo(inspect!.ms_per_step_closed / inspect!.ms_per_step_off, 9);
    expect(inspect!.measurement.map((row) => row.full_layer)).toEqual([null, 'conv1', 'conv2', 'fc']);
    for (const row of inspect!.measurement) expect(row.readbacks).toBeGreaterThan(0);
    expect(inspect!.analysis.map((row) => row.n)).toEqual([5, 16]);
    expect([...ctx.pool.owners()].filter(([owner, bytes]) => (owner.startsWith('run:') || owner.startsWith('bench:')) && bytes !== 0)).toEqual([]);
  });

  it('times the default setup waiting for each step and pipelined, between metrics steps', async () => {
    const ctx = await testContext();
    const setup = { ...DEFAULT_SETUP_CONFIG, batch_size: 4, log_every: 2, data: { ...DEFAULT_SETUP_CONFIG.data, train_size: 200, test_size: 8 } };
    const result = await runPipeliningBench(ctx, { warmup: 1, steps: 3, rounds: 1 }, setup);
    // Rounded up to metrics steps: the window is steps 3-6.
    expect(result).toMatchObject({ model: 'cnn-small', runs: ['adafisher', 'adam'], batch: 4, log_every: 2, first_step: 2, steps: 4, rounds: 1 });
    expect(result.ratio).toBeCloseTo(result.pipelined_ms_per_step[0] / result.waiting_ms_per_step[0], 9);
    // Two runs, up to two steps each, queued between metrics reads.
    expect(result.peak_steps_in_flight).toBeGreaterThan(1);
    expect(result.peak_steps_in_flight).toBeLessThanOrEqual(4);
    expect(result.step_times).toBe(ctx.device.features.has('timestamp-query') ? 'gpu-timestamps' : 'completions');
    for (const ms of Object.values(result.trainer_ms_per_step)) expect(ms).toBeGreaterThan(0);
    expect([...ctx.pool.owners()].filter(([owner, bytes]) => owner.startsWith('run:') && bytes !== 0)).toEqual([]);
  });
});
