import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../config/run-config';
import { loadTrainingData } from '../data/load/training-data-from-config';
import { createGpuContext, type GpuContext } from '../gpu/context';
import { modelPreset } from '../nn/presets';
import type { TrainerEvent } from './events';
import { Trainer } from './trainer';
import { warmPipelines } from './warm-pipelines';

// Epochs of 8 steps, so evaluations (compiled in the background) fall inside the 30 steps; the landscape on.
const config = parseRunConfig({
  model: 'cnn-small',
  batch_size: 4,
  steps: 30,
  seed: 5,
  log_every: 1,
  data: { source: 'synthetic', train_size: 32, test_size: 8, augment: 'none' },
  runs: [
    { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-3, tcov: 10 } },
    { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
  ],
  landscape: { grid: 3, eval_size: 8 },
});

async function train(ctx: GpuContext, run: RunConfig) {
  const events: TrainerEvent[] = [];
  const trainer = await Trainer.create({ ctx, config: run, data: await loadTrainingData(run, [], () => {}), emit: (event) => events.push(event) });
  try {
    await trainer.run();
  } finally {
    trainer.destroy();
  }
  const values = (type: 'metrics' | 'evaluation') =>
    events.flatMap((event) => (event.type === type ? [{ run: event.run, ...event.row, wall_time: 0, ms_per_step: 0, tokens_per_second: 0 }] : []));
  const firstStep = events.flatMap((event) => (event.type === 'run-info' && event.firstStep ? [event.firstStep] : []))[0];
  return { metrics: values('metrics'), evaluations: values('evaluation'), compiledBeforeFirstStep: firstStep.pipelines_compiled };
}

describe('compiling in the background', () => {
  it('trains to the same bits as compiling everything before the first step', async () => {
    // Each on a device of its own: one compiles evaluation and the landscape's plane while it trains, the other before Start.
    const background = await createGpuContext();
    const ahead = await createGpuContext();
    try {
      const whileTraining = await train(background, config);
      // Some pipelines (evaluation's, the landscape plane's) were compiled only after the first step.
      expect(whileTraining.compiledBeforeFirstStep).toBeLessThan(background.pipelines.compiled);
      const warmUp = await warmPipelines(ahead, config, modelPreset(config.model));
      expect(warmUp.compiled).toBeGreaterThan(0);
      const compiledFirst = await train(ahead, config);
      expect(compiledFirst.compiledBeforeFirstStep).toBeLessThan(warmUp.compiled);
      expect(whileTraining.metrics).toHaveLength(60);
      expect(whileTraining.evaluations.length).toBeGreaterThanOrEqual(8);
      expect(compiledFirst.metrics).toEqual(whileTraining.metrics);
      expect(compiledFirst.evaluations).toEqual(whileTraining.evaluations);
    } finally {
      background.destroy();
      ahead.destroy();
    }
  });
});
