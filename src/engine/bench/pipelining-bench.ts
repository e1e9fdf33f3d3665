// Steady-state training of the page's default setup, its runs' steps waiting for the GPU one
// by one (as the trainer did before it pipelined) and pipelined, alternately on one device.
// Timed between two metrics steps: the trainer waits for every run's values there in both
// modes, so each window starts and ends with the queue empty.

import { parseRunConfig, type RunConfig } from '../config/run-config';
import { loadTrainingData } from '../data/load/training-data-from-config';
import type { GpuContext } from '../gpu/context';
import type { StepTimeSource } from '../train/step-times';
import { Trainer } from '../train/trainer';
import { DEFAULT_SETUP_CONFIG, type PipeliningBenchOptions } from './bench-configs';

export interface PipeliningBenchResult {
  model: string;
  runs: string[];
  batch: number;
  log_every: number;
  /** The timed window: from the end of step `first_step` to the end of step `first_step + steps`. */
  first_step: number;
  steps: number;
  rounds: number;
  /** Wall milliseconds per step of the session (every run's step), each round's. */
  waiting_ms_per_step: number[];
  pipelined_ms_per_step: number[];
  /** Sum over the rounds of pipelined over waiting: the bound is 1.02. */
  ratio: number;
  /** Steps of all runs queued at once, pipelined (waiting queues 1). */
  peak_steps_in_flight: number;
  step_times: StepTimeSource;
  /** The runs' ms_per_step_median as the trainer reports it, pipelined, last round. */
  trainer_ms_per_step: Record<string, number | null>;
}

const roundUp = (value: number, unit: number) => Math.ceil(value / unit) * unit;

async function timedSession(ctx: GpuContext, config: RunConfig, first: number, last: number, pipelined: boolean) {
  const data = await loadTrainingData(config, [], () => {});
  const marks = new Map<number, number>();
  const trainer: Trainer = await Trainer.create({
    ctx,
    config,
    data,
    pipelined,
    emit: (event) => {
      if (event.type !== 'progress') return;
      if (event.step === first || event.step === last) marks.set(event.step, performance.now());
      if (event.step === last) trainer.stop();
    },
  });
  try {
    const summaries = await trainer.run();
    if (!marks.has(first) || !marks.has(last)) throw new Error(`The pipelining bench stopped before step ${last}`);
    return {
      msPerStep: (marks.get(last)! - marks.get(first)!) / (last - first),
      peak: trainer.peakStepsInFlight,
      stepTimes: summaries[0].step_times ?? 'completions',
      trainerMs: Object.fromEntries(summaries.map((summary) => [summary.run, summary.ms_per_step_median])),
    };
  } finally {
    trainer.destroy();
  }
}

export async function runPipeliningBench(
  ctx: GpuContext,
  options: PipeliningBenchOptions,
  raw: unknown = DEFAULT_SETUP_CONFIG,
): Promise<PipeliningBenchResult> {
  const parsed = parseRunConfig(raw);
  const every = parsed.log_every;
  const first = roundUp(Math.max(1, options.warmup), every);
  const steps = roundUp(Math.max(1, options.steps), every);
  // Within the first epoch, no evaluation; and without the landscape, whose share would differ by mode.
  const config: RunConfig = { ...parsed, steps: first + steps + every, landscape: undefined, inspect: undefined };
  const waiting: number[] = [];
  const pipelined: number[] = [];
  let last: Awaited<ReturnType<typeof timedSession>> | null = null;
  for (let round = 0; round < options.rounds; round++) {
    waiting.push((await timedSession(ctx, config, first, first + steps, false)).msPerStep);
    last = await timedSession(ctx, config, first, first + steps, true);
    pipelined.push(last.msPerStep);
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    model: config.model,
    runs: config.runs.map((run) => run.name),
    batch: config.batch_size,
    log_every: every,
    first_step: first,
    steps,
    rounds: options.rounds,
    waiting_ms_per_step: waiting,
    pipelined_ms_per_step: pipelined,
    ratio: sum(pipelined) / sum(waiting),
    peak_steps_in_flight: last?.peak ?? 0,
    step_times: last?.stepTimes ?? 'completions',
    trainer_ms_per_step: last?.trainerMs ?? {},
  };
}
