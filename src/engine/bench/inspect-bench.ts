// What the Kronecker-factor inspector costs, measured in one run (docs/adafisher-inspector.md):
// cnn-small trained by the Trainer with the inspector never opened and opened then closed (the
// step time and what a step asks of the device must not change), the extra GPU time of one
// measurement (the shares of every layer, and with one layer's full factors), and the float64
// analysis of one factor at several sizes, timed in this worker as the page's analysis worker runs it.

import { analyseFactor } from '../inspect/analysis/analyse-factor';
import { parseRunConfig, type RunConfig } from '../config/run-config';
import type { GpuContext } from '../gpu/context';
import { loadTrainingData } from '../data/load/training-data-from-config';
import { INSPECT_OFF } from '../inspect/inspect-types';
import { RunInspector } from '../inspect/run-inspector';
import { randomModelBatch } from '../nn/device-check';
import { GpuModel } from '../nn/gpu-model';
import { initialParameters } from '../nn/parameters';
import { modelPreset } from '../nn/presets';
import { createOptimizer } from '../optim/index';
import { median, type GpuOptimizer } from '../optim/optimizer';
import { createRng } from '../random';
import { Trainer } from '../train/trainer';
import type { InspectBenchOptions } from './bench-configs';

export interface InspectBenchResult {
  preset: string;
  batch: number;
  steps: number;
  /** Median wall time between steps of the Trainer, never opened and opened then closed (a mean of two sessions each, interleaved). */
  ms_per_step_off: number;
  ms_per_step_closed: number;
  closed_ratio: number;
  /** Device work per step over the same windows. */
  off: { readbacks_per_step: number; submits_per_step: number; buffer_creations_per_step: number };
  closed: { readbacks_per_step: number; submits_per_step: number; buffer_creations_per_step: number };
  /** Extra milliseconds of one measurement step (shares of every layer, and AdaFisher's F̃), without and with one layer's full factors. */
  measurement: { full_layer: string | null; ms_extra: number; readbacks: number }[];
  /** The float64 analyses of one n x n factor (two eigenvalue problems, the FFT, discs, SNR). */
  analysis: { n: number; ms: number }[];
}

const PRESET = 'cnn-small';
const BATCH = 32;
/** Steps trained before the timed window, where the inspector is opened and closed again. */
const OPEN_UNTIL = 4;
const FIRST_TIMED = 6;
const ADAFISHER = { type: 'adafisher', lr: 1e-4 } as const;

function benchConfig(steps: number, inspect: boolean): RunConfig {
  return parseRunConfig({
    model: PRESET,
    batch_size: BATCH,
    steps,
    log_every: 1000,
    data: { source: 'synthetic', train_size: Math.max(BATCH * (steps + 1), 1024), test_size: BATCH, augment: 'none' },
    runs: [{ name: 'adafisher', optimizer: ADAFISHER }],
    ...(inspect ? { inspect: { layers: ['conv2'], every: 2 } } : {}),
  });
}

/** One session: wall time between steps in the window [FIRST_TIMED, steps - 1) (the last step reads metrics), and the device's counters over it. */
async function session(ctx: GpuContext, steps: number, inspect: boolean) {
  const config = benchConfig(steps, inspect);
  const data = await loadTrainingData(config, [], () => {});
  const times: number[] = [];
  let before = { ...ctx.counters };
  let after = before;
  let last = 0;
  let trainer: Trainer | null = null;
  const trainerReady = Trainer.create({
    ctx,
    config,
    data,
    onDataError: 'stop',
    emit: (event) => {
      if (event.type !== 'progress') return;
      const now = performance.now();
      if (event.step === OPEN_UNTIL) trainer?.updateInspect(INSPECT_OFF);
      if (event.step === FIRST_TIMED) before = { ...ctx.counters };
      else if (event.step > FIRST_TIMED && event.step < steps) times.push(now - last);
      if (event.step === steps - 1) after = { ...ctx.counters };
      last = now;
    },
  });
  trainer = await trainerReady;
  try {
    await trainer.run();
  } finally {
    trainer.destroy();
  }
  const count = steps - 1 - FIRST_TIMED;
  return {
    ms: median(times),
    counters: {
      readbacks_per_step: (after.readbacks - before.readbacks) / count,
      submits_per_step: (after.submits - before.submits) / count,
      buffer_creations_per_step: (after.bufferCreations - before.bufferCreations) / count,
    },
  };
}

/** One training step's wall time, with the inspector's measurement or without. */
async function timedStep(ctx: GpuContext, model: GpuModel, optimizer: GpuOptimizer, step: number, inspector: RunInspector | null): Promise<number> {
  const started = performance.now();
  optimizer.prepare(step, ADAFISHER.lr);
  await model.trainStep({
    then: (pass) => {
      inspector?.encode(pass, step);
      optimizer.encode(pass, step);
    },
    stage: inspector ? (encoder) => inspector.stage(encoder, step) : undefined,
  });
  if (inspector) await inspector.read(step);
  await ctx.device.queue.onSubmittedWorkDone();
  return performance.now() - started;
}

/** Extra time of a measurement step: alternating steps with and without the inspector, medians' difference. */
async function measurementCost(ctx: GpuContext, layers: readonly (string | null)[]) {
  const graph = modelPreset(PRESET);
  const model = await GpuModel.create(ctx, graph, BATCH, { owner: 'bench:inspect', initial: initialParameters(graph, 0) });
  const optimizer = await createOptimizer(model, benchConfig(1, false).runs[0].optimizer);
  try {
    const { inputs, labels } = randomModelBatch(1, graph, BATCH);
    model.writeBatch(inputs, labels);
    let step = 0;
    // AdaFisher measures its own factors at step 0 (tcov 100): outside every timed pair.
    for (; step < 2; step++) await timedStep(ctx, model, optimizer, step, null);
    const results: InspectBenchResult['measurement'] = [];
    for (const layer of layers) {
      const inspector = await RunInspector.create(model, optimizer, {
        run: 'adafisher',
        every: 1,
        keep: 0.08,
        add: 0.008,
        fullLayers: layer ? [layer] : [],
        fullSteps: null,
      });
      try {
        await timedStep(ctx, model, optimizer, step++, inspector);
        const withIt: number[] = [];
        const without: number[] = [];
        let readbacks = 0;
        for (let pair = 0; pair < 3; pair++) {
          const counted = ctx.counters.readbacks;
          withIt.push(await timedStep(ctx, model, optimizer, step++, inspector));
          readbacks = ctx.counters.readbacks - counted;
          without.push(await timedStep(ctx, model, optimizer, step++, null));
        }
        results.push({ full_layer: layer, ms_extra: median(withIt) - median(without), readbacks });
      } finally {
        inspector.destroy();
      }
    }
    return results;
  } finally {
    optimizer.destroy();
    model.destroy();
  }
}

/** A factor like the inspector's: a normalised Gram matrix XᵀX / N of random rows, min-max scaled to [0, 1]. */
function randomFactor(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const rows = 8;
  const x = Float64Array.from({ length: rows * n }, () => Math.abs(rng.normal()));
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += x[r * n + i] * x[r * n + j];
      m[i * n + j] = m[j * n + i] = sum / rows;
    }
  let min = Infinity;
  let max = -Infinity;
  for (const value of m) [min, max] = [Math.min(min, value), Math.max(max, value)];
  return m.map((value) => (value - min) / (max - min + 1e-12));
}

export async function runInspectBench(ctx: GpuContext, options: InspectBenchOptions, onStage: (what: string) => void = () => {}): Promise<InspectBenchResult> {
  onStage(`${PRESET} with the inspector never opened and opened then closed`);
  const steps = FIRST_TIMED + 1 + options.steps;
  const off: Awaited<ReturnType<typeof session>>[] = [];
  const closed: Awaited<ReturnType<typeof session>>[] = [];
  for (let round = 0; round < 2; round++) {
    off.push(await session(ctx, steps, false));
    closed.push(await session(ctx, steps, true));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const msOff = mean(off.map((run) => run.ms));
  const msClosed = mean(closed.map((run) => run.ms));
  onStage('the extra GPU time of one measurement');
  const measurement = await measurementCost(ctx, [null, 'conv1', 'conv2', 'fc']);
  const analysis: InspectBenchResult['analysis'] = [];
  for (const n of options.analysisSizes) {
    onStage(`the float64 analysis of a ${n} x ${n} factor`);
    const started = performance.now();
    analyseFactor(randomFactor(n, n), n, { seed: 0 });
    analysis.push({ n, ms: performance.now() - started });
  }
  return {
    preset: PRESET,
    batch: BATCH,
    steps: options.steps,
    ms_per_step_off: msOff,
    ms_per_step_closed: msClosed,
    closed_ratio: msClosed / msOff,
    off: off[1].counters,
    closed: closed[1].counters,
    measurement,
    analysis,
  };
}
