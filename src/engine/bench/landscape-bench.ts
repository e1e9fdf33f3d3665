// What the landscape costs training, measured in one run: cnn-small trained by the Trainer with
// the landscape off and on (snapshots every 10 steps, the grid filling at its default share),
// the device work snapshots add to a training step, and the time and forward passes of one
// whole grid at a given size.

import { parseRunConfig, type RunConfig } from '../config/run-config';
import type { GpuContext } from '../gpu/context';
import { loadTrainingData } from '../data/load/training-data-from-config';
import { GpuModel } from '../nn/gpu-model';
import { initialParameters } from '../nn/parameters';
import { randomModelBatch } from '../nn/device-check';
import { modelPreset } from '../nn/presets';
import { createOptimizer } from '../optim/index';
import { SnapshotStore } from '../landscape/snapshot-store';
import type { LandscapeFrame } from '../landscape/landscape-frame';
import { Trainer } from '../train/trainer';
import type { LandscapeBenchOptions } from './bench-configs';
import type { TrainerEvent } from '../train/events';

export interface LandscapeBenchResult {
  preset: string;
  batch: number;
  steps: number;
  snapshot_every: number;
  share: number;
  /** Mean wall time from one step's start to the next's: training, plus the landscape's slices when on (a mean, since the landscape's units fall on some steps only). */
  wall_ms_per_step_off: number;
  wall_ms_per_step_on: number;
  /** on / off: at most 1 / (1 − share) by design, plus what snapshots add. */
  wall_ratio: number;
  /** Grid points and snapshots the landscape measured while the runs trained. */
  grid_points_while_training: number;
  /** The trainer's own median step time (submit to done), without the landscape's slices. */
  train_ms_per_step_off: number;
  train_ms_per_step_on: number;
  train_ratio: number;
  /** Device work snapshots add to a training step (a snapshot every 2 steps, no metrics read). */
  snapshot_buffer_creations_per_step: number;
  snapshot_readbacks_per_step: number;
  snapshot_submits_per_step: number;
  grid: number;
  eval_size: number;
  grid_ms: number;
  /** Forward passes that filled the grid: grid x grid. */
  grid_forwards: number;
}

const PRESET = 'cnn-small';
const BATCH = 32;
const SNAPSHOT_EVERY = 10;
const SHARE = 0.2;

/** cnn-small with one Adam run on the built-in images; `landscape` as a config's section (defaults filled by the schema). */
function benchConfig(steps: number, landscape?: Record<string, unknown>): RunConfig {
  return parseRunConfig({
    model: PRESET,
    batch_size: BATCH,
    steps,
    log_every: 1000,
    data: { source: 'synthetic', train_size: Math.max(BATCH * (steps + 1), 1024), test_size: BATCH, augment: 'none' },
    runs: [{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }],
    ...(landscape ? { landscape } : {}),
  });
}

/** Trains `config` and returns the wall times between steps, the trainer's step times, and the landscape's frames. */
async function train(ctx: GpuContext, config: RunConfig, untilSettled: boolean) {
  const data = await loadTrainingData(config, [], () => {});
  const stepTimes: number[] = [];
  const frames: LandscapeFrame[] = [];
  /** When each frame (by id) was first seen, and when its grid was complete. */
  const frameStart = new Map<number, number>();
  const frameDone = new Map<number, number>();
  let settled: () => void = () => {};
  const settledPromise = new Promise<void>((resolve) => (settled = resolve));
  let last = 0;
  let training = true;
  let filledWhileTraining = 0;
  const emit = (event: TrainerEvent) => {
    if (event.type === 'finished') training = false;
    if (event.type === 'progress') {
      const now = performance.now();
      if (event.step > 1) stepTimes.push(now - last);
      last = now;
    } else if (event.type === 'landscape') {
      const { frame } = event;
      frames.push(frame);
      if (training) filledWhileTraining = Math.max(filledWhileTraining, frame.filled);
      if (!frameStart.has(frame.id)) frameStart.set(frame.id, performance.now());
      if (frame.filled > 0 && frame.filled === frame.alphas.length * frame.betas.length && !frameDone.has(frame.id)) frameDone.set(frame.id, performance.now());
      if (frame.settled) settled();
    }
  };
  const trainer = await Trainer.create({ ctx, config, data, emit, onDataError: 'stop' });
  try {
    const [summary] = await trainer.run();
    if (untilSettled) await settledPromise;
    // The landscape works on after training: end it before the next measurement counts read-backs.
    await trainer.stopLandscape();
    const gridMs = (id: number) => (frameDone.get(id) ?? NaN) - (frameStart.get(id) ?? NaN);
    const wall = stepTimes.reduce((sum, ms) => sum + ms, 0) / stepTimes.length;
    return { wall, train: summary.ms_per_step_median ?? NaN, frames, gridMs, filledWhileTraining };
  } finally {
    trainer.destroy();
  }
}

/** Counters over `steps` training steps that take a snapshot every other step. */
async function snapshotCounters(ctx: GpuContext, steps: number) {
  const graph = modelPreset(PRESET);
  const initial = initialParameters(graph, 0);
  const model = await GpuModel.create(ctx, graph, BATCH, { owner: 'bench:snapshots', initial });
  const optimizer = await createOptimizer(model, { type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 });
  const store = await SnapshotStore.create(ctx, [{ name: 'adam', model }], Math.ceil(steps / 2) + 2, 2);
  try {
    const { inputs, labels } = randomModelBatch(1, graph, BATCH);
    model.writeBatch(inputs, labels);
    await ctx.device.queue.onSubmittedWorkDone();
    const before = { ...ctx.counters };
    for (let step = 0; step < steps; step++) {
      optimizer.prepare(step, 1e-3);
      await model.trainStep({
        then: (pass) => {
          optimizer.encode(pass, step);
          store.encodeAfterStep(pass, 0, step + 1);
        },
      });
      await ctx.device.queue.onSubmittedWorkDone();
    }
    const after = { ...ctx.counters };
    return {
      creations: (after.bufferCreations - before.bufferCreations) / steps,
      readbacks: (after.readbacks - before.readbacks) / steps,
      submits: (after.submits - before.submits) / steps,
    };
  } finally {
    store.destroy();
    optimizer.destroy();
    model.destroy();
  }
}

export async function runLandscapeBench(ctx: GpuContext, options: LandscapeBenchOptions): Promise<LandscapeBenchResult> {
  const off = await train(ctx, benchConfig(options.steps), false);
  const on = await train(ctx, benchConfig(options.steps, { snapshot_every: SNAPSHOT_EVERY, share: SHARE }), false);
  const counters = await snapshotCounters(ctx, 20);

  // One whole grid at the given size, after a short training, with all of the GPU.
  const gridConfig = benchConfig(SNAPSHOT_EVERY * 2, {
    grid: options.grid,
    eval_size: options.evalSize,
    snapshot_every: SNAPSHOT_EVERY,
  } as RunConfig['landscape']);
  const gridRun = await train(ctx, gridConfig, true);
  const final = gridRun.frames.at(-1)!;
  return {
    preset: PRESET,
    batch: BATCH,
    steps: options.steps,
    snapshot_every: SNAPSHOT_EVERY,
    share: SHARE,
    wall_ms_per_step_off: off.wall,
    wall_ms_per_step_on: on.wall,
    wall_ratio: on.wall / off.wall,
    grid_points_while_training: on.filledWhileTraining,
    train_ms_per_step_off: off.train,
    train_ms_per_step_on: on.train,
    train_ratio: on.train / off.train,
    snapshot_buffer_creations_per_step: counters.creations,
    snapshot_readbacks_per_step: counters.readbacks,
    snapshot_submits_per_step: counters.submits,
    grid: final.alphas.length,
    eval_size: final.choice.evalSize,
    grid_ms: gridRun.gridMs(final.id),
    grid_forwards: final.filled,
  };
}
