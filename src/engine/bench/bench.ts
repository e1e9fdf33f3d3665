// Times training steps per preset and optimizer on one device, with what each step asks of
// the device (dispatches, submits, buffer creations, read-backs) and the GPU bytes each
// optimizer holds. No DOM: it runs in the bench worker or a test page.

import { createGpuContext, describeAdapter, type GpuContext } from '../gpu/context';
import { randomModelBatch } from '../nn/device-check';
import { GpuModel } from '../nn/gpu-model';
import type { ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { modelPreset } from '../nn/presets';
import { profileTrainStep } from '../nn/profile-step';
import { createOptimizer } from '../optim/index';
import { median, type GpuOptimizer } from '../optim/optimizer';
import {
  benchDepartures,
  curvatureInterval,
  paperOptimizerConfig,
  resolveBenchOptions,
  TEXT_PRESETS,
  timingWindow,
  type BenchOptimizer,
  type BenchOptions,
} from './bench-configs';
import { fillAdamRatios, type BenchResult, type BenchRow, type BenchStepProfile } from './bench-report';
import { runFirstStepBench } from './first-step-bench';
import { runInspectBench } from './inspect-bench';
import { runLandscapeBench } from './landscape-bench';
import { runPipeliningBench } from './pipelining-bench';

interface RowInputs {
  graph: ModelGraph;
  initial: ReadonlyMap<string, ArrayLike<number>>;
  batch: number;
  inputs: Float32Array | Uint32Array;
  labels: Uint32Array;
}

/**
 * Dispatches `optimizer.encode` records for each of `steps`, counted by recording them into a
 * compute pass whose dispatchWorkgroups and dispatchWorkgroupsIndirect are wrapped with a counter. The command buffer is
 * finished but never submitted, so the GPU runs none of it.
 */
function countOptimizerDispatches(ctx: GpuContext, optimizer: GpuOptimizer, lr: number, steps: readonly number[]): number {
  const encoder = ctx.device.createCommandEncoder({ label: 'bench:dispatch-count' });
  const pass = encoder.beginComputePass({ label: 'bench:dispatch-count' });
  const dispatch = pass.dispatchWorkgroups.bind(pass);
  let count = 0;
  pass.dispatchWorkgroups = (x, y, z) => {
    count++;
    dispatch(x, y, z);
  };
  // Shampoo's Newton steps are indirect: recorded every step, launching nothing once a matrix has finished.
  const dispatchIndirect = pass.dispatchWorkgroupsIndirect.bind(pass);
  pass.dispatchWorkgroupsIndirect = (buffer, offset) => {
    count++;
    dispatchIndirect(buffer, offset);
  };
  for (const step of steps) {
    // encode checks that its step was prepared; the real step prepares again before its submit.
    optimizer.prepare(step, lr);
    optimizer.encode(pass, step);
  }
  pass.end();
  encoder.finish();
  return count;
}

async function timedStep(
  ctx: GpuContext,
  model: GpuModel,
  optimizer: GpuOptimizer,
  step: number,
  lr: number,
  readMetrics: boolean,
): Promise<{ ms: number; loss: number | null }> {
  const started = performance.now();
  optimizer.prepare(step, lr);
  const metrics = await model.trainStep({
    readMetrics,
    then: (pass) => optimizer.encode(pass, step),
    stage: readMetrics ? (encoder) => optimizer.stageFactorCheck?.(encoder) : undefined,
  });
  // The trainer asks the second-order optimizers for a non-finite factor on the steps it reads metrics.
  if (readMetrics) await optimizer.checkFactors?.();
  await ctx.device.queue.onSubmittedWorkDone();
  return { ms: performance.now() - started, loss: metrics?.loss ?? null };
}

/** One step timed dispatch by dispatch (profileTrainStep), as the trainer runs it; the bench's `profile` option picks the method. */
async function profiledStep(model: GpuModel, optimizer: GpuOptimizer, step: number, lr: number, options: BenchOptions): Promise<BenchStepProfile> {
  optimizer.prepare(step, lr);
  const method = options.profile === 'auto' || options.profile === null ? undefined : options.profile;
  const { profile } = await profileTrainStep(model, [{ phase: 'optimizer', encode: (pass) => optimizer.encode(pass, step) }], {
    method,
    stage: (encoder) => optimizer.stageFactorCheck?.(encoder),
  });
  await optimizer.checkFactors?.();
  return { step, ...profile };
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

async function benchRow(ctx: GpuContext, preset: string, name: BenchOptimizer, inputs: RowInputs, options: BenchOptions): Promise<BenchRow> {
  const config = paperOptimizerConfig(name, preset);
  const { batch } = inputs;
  // Whole curvature intervals from a curvature step: K-FAC (interval 10) warms up on steps 0 .. 9 and times 10 .. 19.
  const timing = timingWindow(curvatureInterval(config), options.warmup, options.steps);
  const model = await GpuModel.create(ctx, inputs.graph, batch, { owner: `bench:${preset}:${name}`, initial: inputs.initial });
  let optimizer: GpuOptimizer | null = null;
  try {
    optimizer = await createOptimizer(model, config, { seed: options.seed, stream: 0 });
    model.writeBatch(inputs.inputs, inputs.labels);
    // The last warm-up step reads metrics too, so the first mapping is not timed.
    for (let step = 0; step < timing.first; step++) await timedStep(ctx, model, optimizer, step, config.lr, step === timing.first - 1);

    const window = Array.from({ length: timing.count }, (_, i) => timing.first + i);
    const tcov = 'tcov' in config ? config.tcov : null;
    // The first step after the measured window at which AdaFisher measures its factors.
    const measurementStep = tcov === null ? null : Math.ceil((timing.first + timing.count) / tcov) * tcov;
    // Per step, since a curvature step dispatches more than an ordinary one.
    const optimizerDispatches = window.map((step) => countOptimizerDispatches(ctx, optimizer!, config.lr, [step]));

    const before = { ...ctx.counters };
    const times: number[] = [];
    let loss = NaN;
    for (const step of window) {
      const result = await timedStep(ctx, model, optimizer, step, config.lr, step === window.at(-1));
      times.push(result.ms);
      if (result.loss !== null) loss = result.loss;
    }
    const after = { ...ctx.counters };
    const profile = options.profile ? await profiledStep(model, optimizer, timing.first + timing.count, config.lr, options) : undefined;

    let msMeasurement: number | null = null;
    let dispatchesMeasurement: number | null = null;
    if (measurementStep !== null) {
      dispatchesMeasurement = model.dispatchesPerTrainStep + countOptimizerDispatches(ctx, optimizer, config.lr, [measurementStep]);
      msMeasurement = (await timedStep(ctx, model, optimizer, measurementStep, config.lr, false)).ms;
    }

    const msMedian = median(times);
    const msMean = mean(times);
    // Every step alike: the median, robust to the odd slow step; else the mean over the whole intervals.
    const statistic = timing.interval === 1 ? 'median' : 'mean';
    const msPerStep = statistic === 'median' ? msMedian : msMean;
    const stepDispatches = optimizerDispatches.map((count) => model.dispatchesPerTrainStep + count);
    return {
      preset,
      optimizer: name,
      optimizer_config: config,
      departures: benchDepartures(name, preset).map((departure) => departure.reason),
      batch,
      curvature_interval: timing.interval,
      timed_first_step: timing.first,
      timed_steps: timing.count,
      ms_per_step: msPerStep,
      ms_statistic: statistic,
      ms_per_step_median: msMedian,
      ms_per_step_mean: msMean,
      ms_per_step_min: Math.min(...times),
      ms_per_step_max: Math.max(...times),
      images_per_second: batch / (msPerStep / 1000),
      tokens_per_second: inputs.graph.task === 'language-modeling' ? model.rows / (msPerStep / 1000) : null,
      vs_adam: null,
      vs_adamw: null,
      dispatches_per_step: mean(stepDispatches),
      dispatches_per_step_min: Math.min(...stepDispatches),
      dispatches_per_step_max: Math.max(...stepDispatches),
      model_dispatches: model.dispatchesPerTrainStep,
      optimizer_dispatches: mean(optimizerDispatches),
      submits_per_step: (after.submits - before.submits) / timing.count,
      buffer_creations_per_step: (after.bufferCreations - before.bufferCreations) / timing.count,
      readbacks_per_step: (after.readbacks - before.readbacks) / timing.count,
      factor_measurements_in_window: tcov === null ? null : window.filter((step) => step % tcov === 0).length,
      ms_measurement_step: msMeasurement,
      dispatches_measurement_step: dispatchesMeasurement,
      ms_per_step_amortized: tcov === null || msMeasurement === null ? null : msMedian + (msMeasurement - msMedian) / tcov,
      loss_last: loss,
      gpu_bytes: { parameters: model.params.buffer.size, gradients: model.grads.buffer.size, optimizer_state: optimizer.stateBytes },
      ...(profile ? { profile } : {}),
    };
  } finally {
    optimizer?.destroy();
    model.destroy();
  }
}

/**
 * For each preset and optimizer: a model at the bench's batch size trained on one fixed random
 * batch, `warmup` untimed steps, then `steps` timed ones, both rounded up to whole curvature
 * intervals of the optimizer (timingWindow). `onRow` receives each preset's rows
 * once all its optimizers ran (so their Adam ratio is known); `onStart` names each row as it begins.
 */
export async function runBench(
  ctx: GpuContext,
  options: Partial<BenchOptions> = {},
  onRow?: (row: BenchRow) => void,
  onStart?: (preset: string, optimizer: BenchOptimizer) => void,
  onLandscape?: () => void,
  onInspect?: (what: string) => void,
  onFirstStep?: () => void,
  freshContext: () => Promise<GpuContext> = () => createGpuContext(),
  onPipelining?: () => void,
): Promise<BenchResult> {
  const resolved = resolveBenchOptions(options);
  // First, while the device has compiled nothing.
  if (resolved.firstStep) onFirstStep?.();
  const firstStep = resolved.firstStep ? await runFirstStepBench(ctx, freshContext) : null;
  const rows: BenchRow[] = [];
  for (const preset of resolved.presets) {
    const text = TEXT_PRESETS.includes(preset);
    const graph = modelPreset(preset, text ? resolved.vocabulary : undefined);
    const batch = text ? resolved.textBatch : resolved.batch;
    const initial = initialParameters(graph, resolved.seed);
    const { inputs, labels } = randomModelBatch(resolved.seed + 1, graph, batch);
    const presetRows: BenchRow[] = [];
    for (const name of resolved.optimizers) {
      onStart?.(preset, name);
      presetRows.push(await benchRow(ctx, preset, name, { graph, initial, batch, inputs, labels }, resolved));
    }
    fillAdamRatios(presetRows);
    for (const row of presetRows) onRow?.(row);
    rows.push(...presetRows);
  }
  let landscape = null;
  if (resolved.landscape) {
    onLandscape?.();
    landscape = await runLandscapeBench(ctx, resolved.landscape);
  }
  const inspect = resolved.inspect ? await runInspectBench(ctx, resolved.inspect, onInspect) : null;
  if (resolved.pipelining) onPipelining?.();
  const pipelining = resolved.pipelining ? await runPipeliningBench(ctx, resolved.pipelining) : null;
  return {
    adapter: ctx.adapter,
    adapter_description: describeAdapter(ctx.adapter),
    options: resolved,
    rows,
    landscape,
    inspect,
    first_step: firstStep,
    pipelining,
  };
}
