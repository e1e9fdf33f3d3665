import { describe, expect, it } from 'vitest';
import {
  BENCH_DEPARTURES,
  BENCH_OPTIMIZERS,
  benchDepartures,
  BenchOptionsError,
  curvatureInterval,
  DEFAULT_BENCH_OPTIONS,
  paperOptimizerConfig,
  resolveBenchOptions,
  timingWindow,
} from './bench-configs';

describe('paperOptimizerConfig', () => {
  it('gives the paper settings with schema defaults filled in', () => {
    expect(paperOptimizerConfig('sgd')).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 5e-4 });
    expect(paperOptimizerConfig('adamw')).toEqual({ type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 5e-4 });
    const adafisher = paperOptimizerConfig('adafisherw');
    expect(adafisher).toMatchObject({ type: 'adafisherw', lr: 1e-3, tcov: 100, weight_decay: 5e-4, beta: 0.9, damping: 1e-3 });
  });

  it('covers every bench optimizer', () => {
    for (const name of BENCH_OPTIMIZERS) expect(paperOptimizerConfig(name).type).toBe(name);
    expect(BENCH_OPTIMIZERS).toEqual(['sgd', 'adam', 'adamw', 'adafisher', 'adafisherw', 'kfac', 'shampoo', 'adahessian']);
  });

  it("gives K-FAC, Shampoo and AdaHessian the paper's CNN settings on the image presets", () => {
    expect(paperOptimizerConfig('kfac', 'resnet-mini')).toEqual({
      type: 'kfac',
      variant: 'asdl',
      lr: 0.3,
      momentum: 0.9,
      weight_decay: 5e-4,
      damping: 1e-3,
      interval: 10,
      clip: 1,
      stat_decay: 0.95,
      inverse_interval: 100,
      kl_clip: 1e-3,
    });
    expect(paperOptimizerConfig('shampoo', 'resnet-mini')).toEqual({
      type: 'shampoo',
      lr: 0.3,
      momentum: 0.9,
      weight_decay: 5e-4,
      damping: 1e-12,
      interval: 1,
      clip: 1,
      max_factor_dim: 4096,
    });
    expect(paperOptimizerConfig('adahessian', 'resnet-mini')).toEqual({
      type: 'adahessian',
      lr: 0.15,
      betas: [0.9, 0.999],
      eps: 1e-4,
      weight_decay: 5e-4,
      hessian_power: 1,
    });
  });

  it("gives them the paper's GPT-1 settings on the language models, K-FAC its transformer (ViT) settings", () => {
    expect(paperOptimizerConfig('kfac', 'gpt1-tiny')).toMatchObject({
      variant: 'asdl',
      lr: 3e-3,
      momentum: 0.9,
      weight_decay: 0.06,
      damping: 1e-3,
      interval: 10,
      clip: 10,
    });
    expect(paperOptimizerConfig('shampoo', 'gpt1-tiny')).toMatchObject({
      lr: 3e-3,
      momentum: 0.9,
      weight_decay: 0.1,
      damping: 1e-12,
      interval: 1,
      clip: 10,
      max_factor_dim: 4096,
    });
    expect(paperOptimizerConfig('adahessian', 'gpt1-paper')).toMatchObject({ lr: 0.15, eps: 1e-4, weight_decay: 0.1, hessian_power: 1 });
  });

  it("applies a preset's departures with their reasons, and only to that preset and optimizer", () => {
    expect(paperOptimizerConfig('shampoo', 'cnn-small')).toMatchObject({ lr: 0.3, interval: 1, max_factor_dim: 1024 });
    expect(benchDepartures('shampoo', 'cnn-small').map((departure) => departure.reason)).toEqual([expect.stringContaining('2048 x 2048')]);
    expect(benchDepartures('shampoo', 'resnet-mini')).toEqual([]);
    expect(benchDepartures('kfac', 'cnn-small')).toEqual([]);
    // Every departure names a preset and optimizer the bench has, and settings the schema takes.
    for (const departure of BENCH_DEPARTURES) expect(paperOptimizerConfig(departure.optimizer, departure.preset)).toMatchObject(departure.settings);
  });
});

describe('the timed steps', () => {
  it('cover whole curvature intervals from a curvature step', () => {
    // K-FAC at interval 10 with the default 3 warm-up and 10 timed steps: 0 .. 9 untimed, 10 .. 19 timed.
    expect(timingWindow(10, 3, 10)).toEqual({ interval: 10, first: 10, count: 10 });
    expect(timingWindow(10, 0, 10)).toEqual({ interval: 10, first: 0, count: 10 });
    expect(timingWindow(10, 10, 11)).toEqual({ interval: 10, first: 10, count: 20 });
    expect(timingWindow(10, 11, 1)).toEqual({ interval: 10, first: 20, count: 10 });
    expect(timingWindow(4, 3, 10)).toEqual({ interval: 4, first: 4, count: 12 });
    // Every step alike: the options as given.
    expect(timingWindow(1, 3, 10)).toEqual({ interval: 1, first: 3, count: 10 });
    expect(timingWindow(1, 0, 1)).toEqual({ interval: 1, first: 0, count: 1 });
    for (const interval of [1, 2, 3, 7, 10, 25]) {
      for (const warmup of [0, 1, 3, 10, 26]) {
        for (const steps of [1, 2, 10, 26]) {
          const { first, count } = timingWindow(interval, warmup, steps);
          expect(first % interval).toBe(0);
          expect(count % interval).toBe(0);
          expect(first).toBeGreaterThanOrEqual(warmup);
          expect(first - warmup).toBeLessThan(interval);
          expect(count).toBeGreaterThanOrEqual(steps);
          expect(count - steps).toBeLessThan(interval);
        }
      }
    }
    expect(() => timingWindow(0, 3, 10)).toThrow('interval must be a whole number >= 1, got 0');
  });

  it("take each optimizer's curvature interval: K-FAC's and Shampoo's interval, the notebook K-FAC's inverse period, 1 for the rest", () => {
    expect(curvatureInterval(paperOptimizerConfig('kfac'))).toBe(10);
    expect(curvatureInterval(paperOptimizerConfig('shampoo'))).toBe(1);
    expect(curvatureInterval({ ...paperOptimizerConfig('shampoo'), interval: 5 } as never)).toBe(5);
    expect(curvatureInterval({ ...paperOptimizerConfig('kfac'), variant: 'notebook', interval: 10, inverse_interval: 100 } as never)).toBe(100);
    expect(curvatureInterval({ ...paperOptimizerConfig('kfac'), variant: 'notebook', interval: 4, inverse_interval: 6 } as never)).toBe(12);
    for (const name of ['sgd', 'adam', 'adamw', 'adahessian', 'adafisher', 'adafisherw'] as const)
      expect(curvatureInterval(paperOptimizerConfig(name)), name).toBe(1);
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
