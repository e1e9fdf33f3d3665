import { LANDSCAPE_MAX_GRID } from '../config/run-config';
// What the bench measures: the presets, the optimizers with the paper's CIFAR-10 settings
// (AdaFisher, Gomes et al., ICLR 2025), and the run lengths.
// Pure data and checks, shared by the engine, the page and the command line.

import { optimizerSchema, type OptimizerConfig } from '../config/run-config';
import { MODEL_PRESETS, WIKITEXT2_VOCABULARY } from '../nn/presets';

export const BENCH_OPTIMIZERS = ['sgd', 'adam', 'adamw', 'adafisher', 'adafisherw'] as const;
export type BenchOptimizer = (typeof BENCH_OPTIMIZERS)[number];

export const BENCH_PRESETS = Object.keys(MODEL_PRESETS);

const PAPER_SETTINGS: Record<BenchOptimizer, Record<string, unknown>> = {
  sgd: { lr: 0.1, momentum: 0.9, weight_decay: 5e-4 },
  adam: { lr: 1e-3, weight_decay: 5e-4 },
  adamw: { lr: 1e-3, weight_decay: 5e-4 },
  adafisher: { lr: 1e-3, tcov: 100, weight_decay: 5e-4 },
  adafisherw: { lr: 1e-3, tcov: 100, weight_decay: 5e-4 },
};

/** The paper's WikiText-2 settings for the language models (AdaFisherW and AdamW; the others follow them). */
const PAPER_TEXT_SETTINGS: Record<BenchOptimizer, Record<string, unknown>> = {
  sgd: { lr: 0.1, momentum: 0.9, weight_decay: 0.1 },
  adam: { lr: 1e-5, weight_decay: 0.1 },
  adamw: { lr: 1e-5, weight_decay: 0.1 },
  adafisher: { lr: 1e-4, tcov: 10, weight_decay: 0.1 },
  adafisherw: { lr: 1e-4, tcov: 10, weight_decay: 0.1 },
};

/** The language-model presets, timed at `textBatch` with the paper's WikiText-2 settings. */
export const TEXT_PRESETS: readonly string[] = ['gpt1-tiny', 'gpt1-paper'];

/** The paper's configuration of an optimizer for a preset's task, with the schema's defaults filled in. */
export function paperOptimizerConfig(name: BenchOptimizer, preset = 'cnn-small'): OptimizerConfig {
  const settings = TEXT_PRESETS.includes(preset) ? PAPER_TEXT_SETTINGS : PAPER_SETTINGS;
  return optimizerSchema.parse({ type: name, ...settings[name] });
}

/** The landscape's measurements (landscape-bench.ts). */
export interface LandscapeBenchOptions {
  /** Training steps timed with the landscape off, then on. */
  steps: number;
  /** The whole grid timed after training: points per axis and evaluation examples. */
  grid: number;
  evalSize: number;
}

export const DEFAULT_LANDSCAPE_BENCH: LandscapeBenchOptions = { steps: 120, grid: 21, evalSize: 512 };

export interface BenchOptions {
  presets: string[];
  optimizers: BenchOptimizer[];
  /** Batch size of the image presets. */
  batch: number;
  /** Batch size (sequences of the model's context) of the language-model presets. */
  textBatch: number;
  /** Vocabulary of the language-model presets: WikiText-2's word level by default. */
  vocabulary: number;
  /** Timed steps per row. */
  steps: number;
  /** Untimed steps before them, from step 0 (AdaFisher measures its factors at step 0). */
  warmup: number;
  /** Seeds the initial weights and the one random batch every step trains on. */
  seed: number;
  /** The landscape's cost (landscape-bench.ts); null skips it. */
  landscape: LandscapeBenchOptions | null;
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
  };
}
