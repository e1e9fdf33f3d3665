import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../config/run-config';
import { createImageTrainingData } from '../data/image-training-data';
import { generateSyntheticImages } from '../data/synthetic-images';
import { createGpuContext, type GpuContext } from '../gpu/context';
import { decodeModelCheckpoint } from '../nn/checkpoint';
import { modelPreset } from '../nn/presets';
import { EVERY_OPTIMIZER_RUN } from '../testing/every-optimizer';
import { testContext } from '../testing/gpu-test';
import type { MetricsRow, TrainerEvent } from './events';
import { Trainer } from './trainer';

const train = generateSyntheticImages(640, 1);
const test = generateSyntheticImages(64, 2);

function dataFor(config: RunConfig) {
  return createImageTrainingData(train, test, {
    batchSize: config.batch_size,
    seed: config.seed,
    shuffle: config.data.shuffle,
    augment: config.data.augment,
    normalize: true,
  });
}

function configWith(runs: unknown[], extra: Record<string, unknown> = {}): RunConfig {
  return parseRunConfig({ model: 'cnn-small', batch_size: 16, steps: 30, seed: 3, log_every: 1, data: { augment: 'none' }, runs, ...extra });
}

async function trainSession(ctx: GpuContext, config: RunConfig, during?: (trainer: Trainer, event: TrainerEvent) => void) {
  const events: TrainerEvent[] = [];
  let trainer: Trainer | null = null;
  trainer = await Trainer.create({
    ctx,
    config,
    data: dataFor(config),
    emit: (event) => {
      events.push(event);
      during?.(trainer!, event);
    },
  });
  try {
    const summaries = await trainer.run();
    const rows = (run: string) =>
      events.filter((e): e is Extract<TrainerEvent, { type: 'metrics' }> => e.type === 'metrics' && e.run === run).map((e) => e.row);
    return { summaries, events, rows };
  } finally {
    trainer.destroy();
  }
}

const mean = (rows: MetricsRow[]) => rows.reduce((sum, row) => sum + row.train_loss, 0) / rows.length;

describe('Trainer', () => {
  it("lowers cnn-small's loss on the built-in images with every optimizer", async () => {
    // All eight: the paper's claim is about their relative convergence, so each must train here.
    const ctx = await testContext();
    const config = configWith([...EVERY_OPTIMIZER_RUN]);
    const { summaries, rows } = await trainSession(ctx, config);
    for (const summary of summaries) {
      const history = rows(summary.run);
      expect(summary.state, summary.run).toBe('finished');
      expect(history).toHaveLength(30);
      // Same weights, same first batch: every run starts from the same loss.
      expect(history[0].train_loss).toBeCloseTo(rows('sgd')[0].train_loss, 5);
      expect(mean(history.slice(-5)), `${summary.run} loss falls`).toBeLessThan(mean(history.slice(0, 5)) - 0.05);
      expect(summary.test_accuracy).not.toBeNull();
      expect(summary.gpu_bytes.optimizer_state).toBeGreaterThan(0);
    }
  }, 600_000);

  it('stops a run whose loss becomes NaN with a message, and the others go on', async () => {
    const ctx = await testContext();
    const config = configWith(
      [
        { name: 'exploding', optimizer: { type: 'sgd', lr: 1e30 } },
        { name: 'steady', optimizer: { type: 'adam', lr: 1e-3 } },
        // Curvature every step: the weights blow up after the first, and so do the next factors.
        { name: 'exploding-kfac', optimizer: { type: 'kfac', lr: 1e30, interval: 1 } },
      ],
      { steps: 8, log_every: 2 },
    );
    const { summaries, events } = await trainSession(ctx, config);
    const [exploding, steady, explodingKfac] = summaries;
    expect(explodingKfac.state).toBe('diverged');
    expect(explodingKfac.message).toMatch(
      /^K-FAC: layer \S+'s factor \S+ became non-finite at step \d+\. Lower the learning rate .* or raise the damping; the other runs go on\.$/,
    );
    expect(exploding.state).toBe('diverged');
    expect(exploding.message).toMatch(/loss became (NaN|Infinity|-Infinity) at step \d+.*Lower the learning rate/);
    expect(exploding.steps).toBeLessThan(8);
    expect(steady.state).toBe('finished');
    expect(steady.steps).toBe(8);
    expect(events.some((e) => e.type === 'run-state' && e.run === 'exploding' && e.state === 'diverged')).toBe(true);
  }, 300_000);

  it('pauses, resumes and stops, keeping what was recorded', async () => {
    const ctx = await testContext();
    const config = configWith([{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }], { steps: 200, log_every: 1 });
    let resumedAt = Infinity;
    let nextStepAt = 0;
    const { summaries, rows } = await trainSession(ctx, config, (trainer, event) => {
      if (event.type !== 'progress') return;
      if (event.step === 2) {
        trainer.pause();
        setTimeout(() => {
          resumedAt = performance.now();
          trainer.resume();
        }, 500);
      }
      if (event.step === 3) nextStepAt = performance.now();
      if (event.step === 5) trainer.stop();
    });
    // Nothing trained between the pause and the resume.
    expect(nextStepAt).toBeGreaterThan(resumedAt);
    expect(summaries[0].state).toBe('stopped');
    expect(summaries[0].steps).toBe(5);
    expect(rows('adam')).toHaveLength(5);
    expect(summaries[0].test_loss).not.toBeNull();
  }, 300_000);

  it('reports a lost device for every run, keeps their metrics, and restarts from the last checkpoint', async () => {
    const ctx = await createGpuContext();
    const config = configWith([{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }], { steps: 200, log_every: 1, epochs: undefined });
    const data = createImageTrainingData(train, test, { batchSize: 16, seed: 3, shuffle: true, augment: 'none', normalize: true });
    const events: TrainerEvent[] = [];
    const checkpoints: { step: number; bytes: Uint8Array }[] = [];
    const trainer = await Trainer.create({
      ctx,
      config,
      data,
      onCheckpoint: (_run, step, bytes) => checkpoints.push({ step, bytes }),
      emit: (event) => {
        events.push(event);
        // One epoch is 40 steps of 16: an evaluation and a checkpoint happen at step 40.
        if (event.type === 'progress' && event.step === 42) ctx.device.destroy();
      },
    });
    const summaries = await trainer.run();
    expect(summaries[0].state).toBe('device-lost');
    expect(summaries[0].message).toMatch(/GPU device was lost/);
    const metrics = events.filter((e) => e.type === 'metrics');
    expect(metrics.length).toBeGreaterThanOrEqual(41);
    const checkpoint = checkpoints.at(-1);
    expect(checkpoint?.step).toBe(40);

    const fresh = await testContext();
    const state = decodeModelCheckpoint(modelPreset('cnn-small'), checkpoint!.bytes);
    const restarted = await Trainer.create({ ctx: fresh, config: { ...config, steps: 3 }, data, initial: state.values, emit: () => {} });
    try {
      const [summary] = await restarted.run();
      expect(summary.state).toBe('finished');
      // Trained weights: the restarted run starts well below the initial loss of ln 10.
      expect(summary.train_loss_first!).toBeLessThan(metrics[0].type === 'metrics' ? metrics[0].row.train_loss : Infinity);
    } finally {
      restarted.destroy();
    }
  }, 600_000);

  it("profiles a run's next step when asked, each dispatch once, and trains exactly as without", async () => {
    const ctx = await testContext();
    const config = configWith(
      [
        { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
        { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-3, tcov: 2 } },
      ],
      { steps: 5 },
    );
    const plain = await trainSession(ctx, config);
    let asked = false;
    const profiled = await trainSession(ctx, config, (trainer, event) => {
      if (event.type === 'progress' && event.step === 2 && !asked) {
        asked = true;
        trainer.profileStep('adafisher');
      }
    });
    const profiles = profiled.events.filter((e): e is Extract<TrainerEvent, { type: 'step-profile' }> => e.type === 'step-profile');
    expect(profiles.map((e) => [e.run, e.step])).toEqual([['adafisher', 3]]);
    const { profile } = profiles[0];
    // Timestamps where the device has them (training asks for the feature by default).
    expect(profile.method).toBe(ctx.device.features.has('timestamp-query') ? 'timestamps' : 'op-by-op');
    // Step 3 (optimizer step 2) measures AdaFisher's factors: forward, backward and the optimizer's measurement and update.
    expect(profile.by_phase.map((g) => g.name)).toEqual(['forward', 'backward', 'optimizer']);
    expect(profile.dispatches.filter((d) => d.phase === 'forward').map((d) => d.layer)).toContain('conv2');
    for (const run of ['adam', 'adafisher']) {
      expect(profiled.rows(run).map((row) => row.train_loss)).toEqual(plain.rows(run).map((row) => row.train_loss));
    }
    // A profiled step's time is the profile's: row 3 keeps row 2's.
    const rows = profiled.rows('adafisher');
    expect(rows[2].ms_per_step).toBe(rows[1].ms_per_step);
    expect(profiled.summaries.map((summary) => summary.state)).toEqual(['finished', 'finished']);
  });

  it("profiles the config's steps of the runs it names, and refuses a step past the end before training", async () => {
    const ctx = await testContext();
    const config = configWith(
      [
        { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
        { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-3, tcov: 2 } },
      ],
      { steps: 4, log_every: 2, profile: { steps: [1, 3], runs: ['adafisher'] } },
    );
    const { events, summaries } = await trainSession(ctx, config);
    const profiles = events.filter((e): e is Extract<TrainerEvent, { type: 'step-profile' }> => e.type === 'step-profile');
    expect(profiles.map((e) => [e.run, e.step])).toEqual([
      ['adafisher', 1],
      ['adafisher', 3],
    ]);
    expect(summaries.map((summary) => summary.state)).toEqual(['finished', 'finished']);
    // One epoch of 640 images at 16 is 40 steps: step 41 is past the end.
    const byEpochs = configWith([{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }], { steps: undefined, epochs: 1, profile: { steps: [41] } });
    await expect(Trainer.create({ ctx, config: byEpochs, data: dataFor(byEpochs), emit: () => {} })).rejects.toThrow(
      'profile.steps: step 41 is past the end of training; profile steps 1 to 40',
    );
  });
});
