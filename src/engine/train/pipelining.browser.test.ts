import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../config/run-config';
import { createImageTrainingData } from '../data/image-training-data';
import { generateSyntheticImages } from '../data/synthetic-images';
import { createGpuContext, type GpuContext } from '../gpu/context';
import { EVERY_OPTIMIZER_RUN } from '../testing/every-optimizer';
import { testContext } from '../testing/gpu-test';
import type { TrainerEvent } from './events';
import { STEPS_IN_FLIGHT_PER_RUN, Trainer } from './trainer';

const train = generateSyntheticImages(320, 1);
const test = generateSyntheticImages(32, 2);

function configWith(runs: unknown[], extra: Record<string, unknown> = {}): RunConfig {
  return parseRunConfig({ model: 'cnn-small', batch_size: 8, steps: 30, seed: 5, log_every: 5, data: { augment: 'none' }, runs, ...extra });
}

const dataFor = (config: RunConfig) =>
  createImageTrainingData(train, test, { batchSize: config.batch_size, seed: config.seed, shuffle: true, augment: 'none', normalize: true });

interface Session {
  events: TrainerEvent[];
  checkpoints: Map<string, Uint8Array>;
  peak: number;
}

async function trainSession(
  ctx: GpuContext,
  config: RunConfig,
  pipelined: boolean,
  during?: (trainer: Trainer, event: TrainerEvent) => void,
  readWeights = true,
): Promise<Session> {
  const events: TrainerEvent[] = [];
  let trainer: Trainer | null = null;
  trainer = await Trainer.create({
    ctx,
    config,
    data: dataFor(config),
    pipelined,
    emit: (event) => {
      events.push(event);
      during?.(trainer!, event);
    },
  });
  try {
    await trainer.run();
    const checkpoints = new Map<string, Uint8Array>();
    if (readWeights) for (const name of trainer.runNames) checkpoints.set(name, await trainer.checkpoint(name));
    return { events, checkpoints, peak: trainer.peakStepsInFlight };
  } finally {
    trainer.destroy();
  }
}

const losses = (session: Session, run: string) =>
  session.events.flatMap((e) => (e.type === 'metrics' && e.run === run ? [[e.row.step, e.row.train_loss, e.row.test_loss ?? null]] : []));

describe('Pipelined training', () => {
  it('gives every optimizer the same bits as waiting for each step, over 30 steps', async () => {
    const ctx = await testContext();
    const config = configWith([...EVERY_OPTIMIZER_RUN]);
    const waiting = await trainSession(ctx, config, false);
    const pipelined = await trainSession(ctx, config, true);
    expect(waiting.peak).toBe(1);
    // Metrics every 5 steps: between them runs queue more than one step each, up to the bound.
    expect(pipelined.peak).toBeGreaterThan(config.runs.length);
    expect(pipelined.peak).toBeLessThanOrEqual(STEPS_IN_FLIGHT_PER_RUN * config.runs.length);
    for (const { name } of config.runs) {
      expect(losses(pipelined, name), name).toEqual(losses(waiting, name));
      expect(
        losses(pipelined, name).map(([step]) => step),
        name,
      ).toEqual([1, 5, 10, 15, 20, 25, 30]);
      // The weights after 30 steps, bit for bit: every step's arithmetic was the same.
      expect(pipelined.checkpoints.get(name), name).toEqual(waiting.checkpoints.get(name));
    }
    const summaries = pipelined.events.find((e) => e.type === 'finished');
    expect(summaries?.type === 'finished' && summaries.summaries.every((s) => s.state === 'finished' && s.ms_per_step_median! > 0)).toBe(true);
  }, 900_000);

  it('stops submitting within one step of a pause, with nothing left in flight while paused', async () => {
    const ctx = await testContext();
    const config = configWith(
      [
        { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
        { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-3, tcov: 5 } },
      ],
      { steps: 200, log_every: 50 },
    );
    let pausedAt = -1;
    let stepsWhilePaused = 0;
    let submitsWhilePaused = 0;
    const submit = ctx.device.queue.submit.bind(ctx.device.queue);
    let countSubmits = false;
    ctx.device.queue.submit = (buffers) => {
      if (countSubmits) submitsWhilePaused++;
      submit(buffers);
    };
    try {
      const session = await trainSession(ctx, config, true, (trainer, event) => {
        if (event.type !== 'progress') return;
        if (pausedAt >= 0) stepsWhilePaused++;
        if (event.step === 6) {
          pausedAt = event.step;
          trainer.pause();
          // The step under way when pause came may end; then nothing is submitted until stop.
          setTimeout(async () => {
            await ctx.device.queue.onSubmittedWorkDone();
            countSubmits = true;
            setTimeout(() => {
              countSubmits = false;
              trainer.stop();
            }, 800);
          }, 400);
        }
      });
      const finished = session.events.find((e) => e.type === 'finished');
      if (finished?.type !== 'finished') throw new Error('the session did not finish');
      for (const summary of finished.summaries) {
        expect(summary.state).toBe('stopped');
        expect(summary.steps).toBeGreaterThanOrEqual(6);
        expect(summary.steps).toBeLessThanOrEqual(7);
      }
      expect(stepsWhilePaused).toBeLessThanOrEqual(1);
      expect(submitsWhilePaused).toBe(0);
    } finally {
      ctx.device.queue.submit = submit;
    }
  }, 300_000);

  it('reports a device lost while steps are in flight for every run, and keeps what was recorded', async () => {
    const ctx = await createGpuContext();
    const config = configWith(
      [
        { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
        { name: 'sgd', optimizer: { type: 'sgd', lr: 0.01 } },
      ],
      { steps: 200, log_every: 50 },
    );
    let inFlightAtLoss = 0;
    // No weights to read afterwards: the device has gone.
    const session = await trainSession(
      ctx,
      config,
      true,
      (trainer, event) => {
        if (event.type === 'progress' && event.step === 7) {
          inFlightAtLoss = trainer.peakStepsInFlight;
          ctx.device.destroy();
        }
      },
      false,
    );
    expect(inFlightAtLoss).toBeGreaterThan(1);
    const states = session.events.filter((e) => e.type === 'run-state' && e.state === 'device-lost');
    expect(states.map((e) => (e.type === 'run-state' ? e.run : ''))).toEqual(['adam', 'sgd']);
    for (const e of states) if (e.type === 'run-state') expect(e.message).toMatch(/GPU device was lost/);
    expect(losses(session, 'adam')[0][0]).toBe(1);
  }, 300_000);

  it('times steps between completions on a device without timestamp queries, and says so', async () => {
    const ctx = await createGpuContext({ timestampQuery: false });
    try {
      const config = configWith([{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }], { steps: 10 });
      const session = await trainSession(ctx, config, true);
      const info = session.events.find((e) => e.type === 'run-info');
      expect(info?.type === 'run-info' && info.stepTimes).toBe('completions');
      const finished = session.events.find((e) => e.type === 'finished');
      if (finished?.type !== 'finished') throw new Error('the session did not finish');
      expect(finished.summaries[0].step_times).toBe('completions');
      expect(finished.summaries[0].ms_per_step_median).toBeGreaterThan(0);
    } finally {
      ctx.destroy();
    }
    const timed = await testContext();
    if (!timed.device.features.has('timestamp-query')) return;
    const session = await trainSession(timed, configWith([{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }], { steps: 10 }), true);
    const rows = session.events.flatMap((e) => (e.type === 'metrics' ? [e.row] : []));
    expect(session.events.find((e) => e.type === 'finished')?.type === 'finished').toBe(true);
    expect(rows.every((row) => row.ms_per_step > 0)).toBe(true);
    const info = session.events.find((e) => e.type === 'run-info');
    expect(info?.type === 'run-info' && info.stepTimes).toBe('gpu-timestamps');
  });
});
