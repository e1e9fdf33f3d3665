// What the bench measures: the presets, the optimizers with the paper's settings (AdaFisher,
// Gomes et al., ICLR 2025, and the second-order baselines as its experiments ran them), the
// run lengths, and which steps each row times.
// Pure data and checks, shared by the engine, the page and the command line.

import { LANDSCAPE_MAX_GRID, optimizerSchema, type OptimizerConfig } from '../config/run-config';
import type { ProfileMethod } from '../gpu/step-recorder';
import { MODEL_PRESETS, WIKITEXT2_VOCABULARY } from '../nn/presets';

export const BENCH_OPTIMIZERS = ['sgd', 'adam', 'adamw', 'adafisher', 'adafisherw', 'kfac', 'shampoo', 'adahessian'] as const;
export type BenchOptimizer = (typeof BENCH_OPTIMIZERS)[number];

export const BENCH_PRESETS = Object.keys(MODEL_PRESETS);

/**
 * The paper's CIFAR-10 settings; K-FAC, Shampoo and AdaHessian from its CNN configs
 * (Image_Classification/configs/{kfac,Shampoo,AdaHessian}CNN.yaml).
 */
const PAPER_SETTINGS: Record<BenchOptimizer, Record<string, unknown>> = {
  sgd: { lr: 0.1, momentum: 0.9, weight_decay: 5e-4 },
  adam: { lr: 1e-3, weight_decay: 5e-4 },
  adamw: { lr: 1e-3, weight_decay: 5e-4 },
  adafisher: { lr: 1e-3, tcov: 100, weight_decay: 5e-4 },
  adafisherw: { lr: 1e-3, tcov: 100, weight_decay: 5e-4 },
  kfac: { variant: 'asdl', lr: 0.3, momentum: 0.9, weight_decay: 5e-4, damping: 1e-3, interval: 10, clip: 1 },
  shampoo: { lr: 0.3, momentum: 0.9, weight_decay: 5e-4, damping: 1e-12, interval: 1, clip: 1 },
  adahessian: { lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 5e-4, hessian_power: 1 },
};

/**
 * The paper's WikiText-2 settings for the language models (AdaFisherW and AdamW, with the other
 * first-order optimizers following them; Shampoo and AdaHessian from Language_Model/{Shampoo,
 * AdaHessian}.sh with run_exp.py's clip 10). The paper ran no K-FAC on text: it takes the
 * transformer settings of Image_Classification/configs/kfacViT.yaml.
 */
const PAPER_TEXT_SETTINGS: Record<BenchOptimizer, Record<string, unknown>> = {
  sgd: { lr: 0.1, momentum: 0.9, weight_decay: 0.1 },
  adam: { lr: 1e-5, weight_decay: 0.1 },
  adamw: { lr: 1e-5, weight_decay: 0.1 },
  adafisher: { lr: 1e-4, tcov: 10, weight_decay: 0.1 },
  adafisherw: { lr: 1e-4, tcov: 10, weight_decay: 0.1 },
  kfac: { variant: 'asdl', lr: 3e-3, momentum: 0.9, weight_decay: 0.06, damping: 1e-3, interval: 10, clip: 10 },
  shampoo: { lr: 3e-3, momentum: 0.9, weight_decay: 0.1, damping: 1e-12, interval: 1, clip: 10 },
  adahessian: { lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 0.1, hessian_power: 1 },
};

/** A preset's departure from the paper's settings, with the reason the bench prints beside its row. */
export interface BenchDeparture {
  preset: string;
  optimizer: BenchOptimizer;
  settings: Record<string, unknown>;
  reason: string;
}

/** Where a preset cannot run the paper's settings as they are; configs/<preset>-<optimizer>.yaml makes the same departures. */
export const BENCH_DEPARTURES: readonly BenchDeparture[] = [
  {
    preset: 'cnn-small',
    optimizer: 'shampoo',
    settings: { max_factor_dim: 1024 },
    reason:
      "fc.weight is [10, 2048]: the paper's Shampoo would take the inverse fourth root of a 2048 x 2048 statistic every step " +
      '(a Newton iteration of 2048-wide matrix products), far beyond a software adapter; its 2048 side gets no statistic',
  },
];

/** The language-model presets, timed at `textBatch` with the paper's WikiText-2 settings. */
export const TEXT_PRESETS: readonly string[] = ['gpt1-tiny', 'gpt1-paper'];

/** The departures from the paper's settings that apply to an optimizer on a preset. */
export function benchDepartures(name: BenchOptimizer, preset: string): BenchDeparture[] {
  return BENCH_DEPARTURES.filter((departure) => departure.preset === preset && departure.optimizer === name);
}

/** The paper's configuration of an optimizer for a preset's task, with the preset's departures and the schema's defaults filled in. */
export function paperOptimizerConfig(name: BenchOptimizer, preset = 'cnn-small'): OptimizerConfig {
  const settings = TEXT_PRESETS.includes(preset) ? PAPER_TEXT_SETTINGS : PAPER_SETTINGS;
  const departures = Object.assign({}, ...benchDepartures(name, preset).map((departure) => departure.settings)) as Record<string, unknown>;
  return optimizerSchema.parse({ type: name, ...settings[name], ...departures });
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The number of steps after which an optimizer's work repeats, which its timed steps must cover
 * whole: K-FAC measures its factors and inverts them every `interval` steps (the notebook
 * variant inverts every `inverse_interval`, so its pattern repeats after their least common
 * multiple), Shampoo updates statistics and inverse roots every `interval` steps; SGD, Adam and
 * AdaHessian (whose Hessian estimate is made every step) do the same work every step.
 * AdaFisher counts as 1: its factor step every tcov = 100 steps would make a whole interval 100
 * timed steps after 100 warm-up steps per row, so the bench times its ordinary steps and one
 * factor step apart, and amortises it (ms_per_step_amortized).
 */
export function curvatureInterval(config: OptimizerConfig): number {
  switch (config.type) {
    case 'kfac':
      return config.variant === 'notebook' ? (config.interval * config.inverse_interval) / gcd(config.interval, config.inverse_interval) : config.interval;
    case 'shampoo':
      return config.interval;
    case 'sgd':
    case 'adam':
    case 'adamw':
    case 'adahessian':
    case 'adafisher':
    case 'adafisherw':
      return 1;
  }
}

/** The steps a row times: `count` steps from `first`, after untimed steps 0 .. first - 1. */
export interface TimingWindow {
  /** The curvature interval the window covers whole. */
  interval: number;
  first: number;
  count: number;
}

/**
 * Whole curvature intervals: the first timed step is the first multiple of `interval` at or
 * after `warmup` (so every compiled pass has run once and the window starts on a curvature
 * step), and the window is the least multiple of `interval` that is at least `steps` long.
 * K-FAC with interval 10, warm-up 3 and 10 steps: steps 0 .. 9 untimed, 10 .. 19 timed.
 */
export function timingWindow(interval: number, warmup: number, steps: number): TimingWindow {
  if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`interval must be a whole number >= 1, got ${interval}`);
  return { interval, first: Math.ceil(warmup / interval) * interval, count: Math.ceil(steps / interval) * interval };
}

/**
 * The page's default image setup as a run config (src/ui/setup.ts; a test keeps them equal):
 * cnn-small at batch 32 on the built-in images, AdaFisher and Adam, the landscape on.
 */
export const DEFAULT_SETUP_CONFIG = {
  task: 'image-classification',
  model: 'cnn-small',
  batch_size: 32,
  steps: 300,
  seed: 0,
  log_every: 5,
  data: { source: 'synthetic', train_size: 3000, test_size: 500, augment: 'none' },
  runs: [
    {
      name: 'adafisher',
      optimizer: {
        type: 'adafisher',
        lr: 1e-4,
        beta: 0.9,
        damping: 1e-3,
        gammas: [0.92, 0.008],
        average: 'reference',
        paper_gamma: 0.8,
        tcov: 10,
        weight_decay: 5e-4,
      },
      schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
    },
    {
      name: 'adam',
      optimizer: { type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 5e-4 },
      schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
    },
  ],
  landscape: {},
} as const;

/** The landscape's measurements (landscape-bench.ts). */
export interface LandscapeBenchOptions {
  /** Training steps timed with the landscape off, then on. */
  steps: number;
  /** The whole grid timed after training: points per axis and evaluation examples. */
  grid: number;
  evalSize: number;
}

export const DEFAULT_LANDSCAPE_BENCH: LandscapeBenchOptions = { steps: 120, grid: 21, evalSize: 512 };

export interface PipeliningBenchOptions {
  /** Steps before the timed window; rounded up to a metrics step. */
  warmup: number;
  /** Steps timed; rounded up to whole metrics intervals. */
  steps: number;
  /** Sessions of each mode, alternating, waiting first. */
  rounds: number;
}

export const DEFAULT_PIPELINING_BENCH: PipeliningBenchOptions = { warmup: 10, steps: 20, rounds: 2 };

/** The inspector's measurements (inspect-bench.ts). */
export interface InspectBenchOptions {
  /** Training steps timed with the inspector never opened, and opened then closed. */
  steps: number;
  /** Sides of the factors whose float64 analysis is timed. */
  analysisSizes: number[];
}

export const DEFAULT_INSPECT_BENCH: InspectBenchOptions = { steps: 20, analysisSizes: [64, 512, 2049] };

/** How a row's profiled step is timed: 'auto' uses timestamp queries where the adapter offers them, else op by op. */
export type BenchProfile = 'auto' | ProfileMethod;

export const BENCH_PROFILES: readonly BenchProfile[] = ['auto', 'timestamps', 'op-by-op'];

export interface BenchOptions {
  presets: string[];
  optimizers: BenchOptimizer[];
  /** Batch size of the image presets. */
  batch: number;
  /** Batch size (sequences of the model's context) of the language-model presets. */
  textBatch: number;
  /** Vocabulary of the language-model presets: WikiText-2's word level by default. */
  vocabulary: number;
  /** Timed steps per row, rounded up to whole curvature intervals (timingWindow). */
  steps: number;
  /** Untimed steps before them, from step 0, rounded up to a curvature step (AdaFisher measures its factors at step 0). */
  warmup: number;
  /** Seeds the initial weights and the one random batch every step trains on. */
  seed: number;
  /** The landscape's cost (landscape-bench.ts); null skips it. */
  landscape: LandscapeBenchOptions | null;
  /** The inspector's cost (inspect-bench.ts); null skips it. */
  inspect: InspectBenchOptions | null;
  /** Time to the first step of the page's default setup (first-step-bench.ts). */
  firstStep: boolean;
  /** Profile one step of each row after its timed steps (StepProfile, in the row's `profile`); null profiles nothing. */
  profile: BenchProfile | null;
  /** The default setup's steady state, each step waited for and pipelined (pipelining-bench.ts); null skips it. */
  pipelining: PipeliningBenchOptions | null;
}

export const DEFAULT_BENCH_OPTIONS: Readonly<BenchOptions> = {
  presets: ['cnn-small', 'resnet-mini', 'gpt1-tiny'],
  optimizers: [...BENCH_OPTIMIZERS],
  batch: 64,
  textBatch: 8,
  vocabulary: WIKITEXT2_VOCABULARY,
  steps: 10,
  warmup: 3,
  seed: 0,
  landscape: DEFAULT_LANDSCAPE_BENCH,
  inspect: DEFAULT_INSPECT_BENCH,
  firstStep: true,
  profile: null,
  pipelining: DEFAULT_PIPELINING_BENCH,
};

export class BenchOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchOptionsError';
  }
}

/** Largest batch the run config accepts; the bench keeps the same bound. */
const MAX_BATCH = 4096;

function wholeNumber(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new BenchOptionsError(`${name} must be a whole number ${range}, got ${value}`);
  }
  return value;
}

function names<T extends string>(name: string, values: readonly string[], allowed: readonly T[]): T[] {
  if (values.length === 0) throw new BenchOptionsError(`${name} must name at least one of ${allowed.join(', ')}`);
  for (const value of values) {
    if (!allowed.includes(value as T)) throw new BenchOptionsError(`${name}: unknown "${value}"; choose from ${allowed.join(', ')}`);
  }
  const repeated = values.find((value, index) => values.indexOf(value) !== index);
  if (repeated !== undefined) throw new BenchOptionsError(`${name} names "${repeated}" twice`);
  return [...values] as T[];
}

/** Fills in defaults and checks every value, naming the field at fault. */
export function resolveBenchOptions(options: Partial<BenchOptions> = {}): BenchOptions {
  const merged = { ...DEFAULT_BENCH_OPTIONS, ...options };
  return {
    presets: names('presets', merged.presets, BENCH_PRESETS),
    optimizers: names('optimizers', merged.optimizers, BENCH_OPTIMIZERS),
    batch: wholeNumber('batch', merged.batch, 1, MAX_BATCH),
    textBatch: wholeNumber('textBatch', merged.textBatch, 1, MAX_BATCH),
    vocabulary: wholeNumber('vocabulary', merged.vocabulary, 2, 1 << 24),
    steps: wholeNumber('steps', merged.steps, 1),
    warmup: wholeNumber('warmup', merged.warmup, 0),
    seed: wholeNumber('seed', merged.seed, 0),
    landscape: merged.landscape && {
      steps: wholeNumber('landscape.steps', merged.landscape.steps, 11),
      grid: wholeNumber('landscape.grid', merged.landscape.grid, 3, LANDSCAPE_MAX_GRID),
      evalSize: wholeNumber('landscape.evalSize', merged.landscape.evalSize, 1, 4096),
    },
    inspect: merged.inspect && {
      steps: wholeNumber('inspect.steps', merged.inspect.steps, 3),
      analysisSizes: merged.inspect.analysisSizes.map((n) => wholeNumber('inspect.analysisSizes', n, 1, 8192)),
    },
    firstStep: merged.firstStep,
    profile: merged.profile === null ? null : names('profile', [merged.profile], BENCH_PROFILES)[0],
    pipelining: merged.pipelining && {
      warmup: wholeNumber('pipelining.warmup', merged.pipelining.warmup, 1),
      steps: wholeNumber('pipelining.steps', merged.pipelining.steps, 1),
      rounds: wholeNumber('pipelining.rounds', merged.pipelining.rounds, 1, 20),
    },
  };
}
