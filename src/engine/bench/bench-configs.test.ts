import { describe, expect, it } from 'vitest';
import { BENCH_OPTIMIZERS, BenchOptionsError, DEFAULT_BENCH_OPTIONS, paperOptimizerConfig, resolveBenchOptions } from './bench-configs';

describe('paperOptimizerConfig', () => {
  it('gives the paper settings with schema defaults filled in', () => {
    expect(paperOptimizerConfig('sgd')).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 5e-4 });
    expect(paperOptimizerConfig('adamw')).toEqual({ type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 5e-4 });
    const adafisher = paperOptimizerConfig('adafisherw');
    expect(adafisher).toMatchObject({ type: 'adafisherw', lr: 1e-3, tcov: 100, weight_decay: 5e-4, beta: 0.9, damping: 1e-3 });
  });

  it('covers every bench optimizer', () => {
    for (const name of BENCH_OPTIMIZERS) expect(paperOptimizerConfig(name).type).toBe(name);
  });
});

describe('resolveBenchOptions', () => {
  it("uses the paper's WikiText-2 settings for the language models", () => {
    expect(paperOptimizerConfig('adamw', 'gpt1-tiny')).toMatchObject({ type: 'adamw', lr: 1e-5, weight_decay: 0.1 });
    expect(paperOptimizerConfig('adafisherw', 'gpt1-paper')).toMatchObject({ type: 'adafisherw', lr: 1e-4, tcov: 10, weight_decay: 0.1, damping: 1e-3 });
  });

  it('defaults to both image presets and gpt1-tiny, all optimizers, batch 64 (8 sequences for gpt1-tiny), 3 warm-up and 10 timed steps', () => {
    expect(resolveBenchOptions()).toEqual({ ...DEFAULT_BENCH_OPTIONS, optimizers: [...BENCH_OPTIMIZERS] });
    expect(DEFAULT_BENCH_OPTIONS).toMatchObject({
      presets: ['cnn-small', 'resnet-mini', 'gpt1-tiny'],
      batch: 64,
      textBatch: 8,
      vocabulary: 33278,
      steps: 10,
      warmup: 3,
    });
  });

  it('keeps what is given and allows no warm-up', () => {
    expect(resolveBenchOptions({ presets: ['resnet-mini'], optimizers: ['adafisher', 'adam'], batch: 2, steps: 1, warmup: 0 })).toMatchObject({
      presets: ['resnet-mini'],
      optimizers: ['adafisher', 'adam'],
      batch: 2,
      steps: 1,
      warmup: 0,
    });
  });

  it.each([
    [{ batch: 0 }, /batch must be a whole number in 1\.\.4096, got 0/],
    [{ steps: 1.5 }, /steps must be a whole number >= 1, got 1.5/],
    [{ warmup: -1 }, /warmup must be a whole number >= 0/],
    [{ presets: ['vgg'] }, /presets: unknown "vgg"; choose from cnn-small, resnet-mini/],
    [{ presets: [] }, /presets must name at least one/],
    [{ optimizers: ['adam', 'lamb'] }, /optimizers: unknown "lamb"/],
    [{ optimizers: ['adam', 'adam'] }, /optimizers names "adam" twice/],
  ])('refuses %o', (options, message) => {
    expect(() => resolveBenchOptions(options as never)).toThrow(BenchOptionsError);
    expect(() => resolveBenchOptions(options as never)).toThrow(message);
  });
});
