// Time to the first step of the page's default setup, as the training worker starts it: the
// data, the runs (buffers and pipelines), and each run's first submit and read-back. On a new
// device that has compiled nothing; on another after the idle compile the page asks for
// (warmPipelines); and for one run added after those, whose kernels are all compiled.

import { parseRunConfig, type RunConfig } from '../config/run-config';
import { loadTrainingData } from '../data/load/training-data-from-config';
import type { GpuContext } from '../gpu/context';
import { breakdownCoverage, FirstStepClock, type FirstStepBreakdown } from '../train/first-step';
import { modelPreset } from '../nn/presets';
import { Trainer } from '../train/trainer';
import { warmPipelines, type WarmResult } from '../train/warm-pipelines';
import { DEFAULT_SETUP_CONFIG } from './bench-configs';

export interface FirstStepBenchResult {
  model: string;
  runs: string[];
  batch: number;
  /** Start on a device that has compiled nothing. */
  cold: FirstStepBreakdown;
  /** Start after the worker compiled the setup while the page waited (warmPipelines), on a device of its own. */
  prewarmed: FirstStepBreakdown;
  /** That idle compile: its length and pipelines. */
  warm_up: WarmResult;
  /** After those sessions, one more run (the setup's last) started on its own: every kernel compiled. */
  added_run: FirstStepBreakdown;
  /** The parts' sum over first_step_ms of each. */
  coverage: { cold: number; prewarmed: number; added_run: number };
}

/** One session from the train request to the end of every run's first step, then stopped. */
export async function timeFirstStep(ctx: GpuContext, config: RunConfig): Promise<FirstStepBreakdown> {
  const clock = new FirstStepClock(ctx.pipelines);
  const data = await clock.time('data', () => loadTrainingData(config, [], () => {}));
  const measured: { breakdown?: FirstStepBreakdown } = {};
  const trainer: Trainer = await Trainer.create({
    ctx,
    config,
    data,
    clock,
    emit: (event) => {
      if (event.type !== 'run-info' || !event.firstStep || measured.breakdown) return;
      measured.breakdown = event.firstStep;
      trainer.stop();
    },
  });
  try {
    await trainer.run();
  } finally {
    trainer.destroy();
  }
  if (!measured.breakdown) throw new Error('The first-step bench stopped before the first step ended');
  return measured.breakdown;
}

/**
 * `ctx` is the bench's new device; `freshContext` makes the second, destroyed at the end.
 * Between sessions the queue drains, so no session waits for the one before.
 */
export async function runFirstStepBench(
  ctx: GpuContext,
  freshContext: () => Promise<GpuContext>,
  raw: unknown = DEFAULT_SETUP_CONFIG,
): Promise<FirstStepBenchResult> {
  const config = parseRunConfig(raw);
  const cold = await timeFirstStep(ctx, config);
  const other = await freshContext();
  try {
    const warmUp = await warmPipelines(other, config, modelPreset(config.model));
    await other.device.queue.onSubmittedWorkDone();
    const prewarmed = await timeFirstStep(other, config);
    await other.device.queue.onSubmittedWorkDone();
    const addedRun = await timeFirstStep(other, { ...config, runs: config.runs.slice(-1) });
    return {
      model: config.model,
      runs: config.runs.map((run) => run.name),
      batch: config.batch_size,
      cold,
      prewarmed,
      warm_up: warmUp,
      added_run: addedRun,
      coverage: { cold: breakdownCoverage(cold), prewarmed: breakdownCoverage(prewarmed), added_run: breakdownCoverage(addedRun) },
    };
  } finally {
    other.destroy();
  }
}
