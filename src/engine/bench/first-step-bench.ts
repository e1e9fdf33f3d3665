// Time to the first step of the page's default setup, as the training worker starts it: the
// data, the runs (buffers and pipelines), and each run's first submit and read-back. Once on
// the bench's new device (nothing compiled) and once more after it (every pipeline cached:
// what a run started again, or added after others, waits for).

import { parseRunConfig, type RunConfig } from '../config/run-config';
import { loadTrainingData } from '../data/load/training-data-from-config';
import type { GpuContext } from '../gpu/context';
import { breakdownCoverage, FirstStepClock, type FirstStepBreakdown } from '../train/first-step';
import { Trainer } from '../train/trainer';
import { DEFAULT_SETUP_CONFIG } from './bench-configs';

export interface FirstStepBenchResult {
  model: string;
  runs: string[];
  batch: number;
  /** The first session on the device: every pipeline compiled. */
  cold: FirstStepBreakdown;
  /** The same setup started again: every pipeline from the cache. */
  warm: FirstStepBreakdown;
  /** The parts' sum over first_step_ms, cold and warm. */
  coverage: { cold: number; warm: number };
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

export async function runFirstStepBench(ctx: GpuContext, raw: unknown = DEFAULT_SETUP_CONFIG): Promise<FirstStepBenchResult> {
  const config = parseRunConfig(raw);
  const cold = await timeFirstStep(ctx, config);
  const warm = await timeFirstStep(ctx, config);
  return {
    model: config.model,
    runs: config.runs.map((run) => run.name),
    batch: config.batch_size,
    cold,
    warm,
    coverage: { cold: breakdownCoverage(cold), warm: breakdownCoverage(warm) },
  };
}
