// The bench's command line: `npm run bench -- [options]` parsed into the engine's
// BenchOptions and an output path, with messages that name the flag at fault.

import { parseArgs } from 'node:util';
import {
  BENCH_OPTIMIZERS,
  BENCH_PRESETS,
  BENCH_PROFILES,
  type BenchProfile,
  BenchOptionsError,
  DEFAULT_BENCH_OPTIONS,
  resolveBenchOptions,
  type BenchOptimizer,
  type BenchOptions,
  DEFAULT_INSPECT_BENCH,
  DEFAULT_LANDSCAPE_BENCH,
} from '../src/engine/bench/bench-configs';

export const DEFAULT_BENCH_OUT = 'bench-results.json';

export const BENCH_HELP = `Usage: npm run bench -- [options]

Times training steps of every preset x optimizer in headless Chromium with WebGPU (the same
engine as the playground, in a worker), on one fixed random batch, and reports per row the
ms per step, images per second, the ratio to Adam, dispatches, submits, buffer creations and
read-backs per step, and the GPU bytes of parameters, gradients and optimizer state. The
timed steps cover whole curvature intervals from a curvature step (K-FAC, interval 10: steps
10-19 after 10 warm-up steps); ms per step is their median where every step does the same
work, else their mean, and dispatches are the mean per step. Then it prints the performance targets as PASS or MISS (measurements: the exit code
stays 0 when a target is missed, and is 1 only on errors).

Options:
  --out FILE.json      where to write the results (default ${DEFAULT_BENCH_OUT})
  --batch N            batch size of the image presets (default ${DEFAULT_BENCH_OPTIONS.batch})
  --text-batch N       batch size of the language models, in sequences (default ${DEFAULT_BENCH_OPTIONS.textBatch})
  --vocabulary N       vocabulary of the language models (default ${DEFAULT_BENCH_OPTIONS.vocabulary}, WikiText-2)
  --steps N            timed steps per row, rounded up to whole curvature intervals (default ${DEFAULT_BENCH_OPTIONS.steps})
  --warmup N           untimed steps before them, from step 0, rounded up to a curvature step
                       (default ${DEFAULT_BENCH_OPTIONS.warmup})
  --presets LIST       comma-separated, from ${BENCH_PRESETS.join(', ')}
                       (default ${DEFAULT_BENCH_OPTIONS.presets.join(', ')})
  --optimizers LIST    comma-separated, from ${BENCH_OPTIMIZERS.join(', ')} (default all)
  --seed N             seeds the weights and the batch (default ${DEFAULT_BENCH_OPTIONS.seed})
  --landscape-steps N  cnn-small steps timed with the landscape off and on (default ${DEFAULT_LANDSCAPE_BENCH.steps})
  --landscape-grid N   points per axis of the grid timed whole (default ${DEFAULT_LANDSCAPE_BENCH.grid})
  --landscape-eval N   its evaluation examples (default ${DEFAULT_LANDSCAPE_BENCH.evalSize}; 21x21 at 512 takes
                       about a quarter of an hour on a software adapter)
  --no-landscape       skip the landscape's measurements
  --inspect-steps N    cnn-small steps timed with the inspector never opened and opened then closed
                       (default ${DEFAULT_INSPECT_BENCH.steps})
  --inspect-sizes LIST sides of the factors whose float64 analysis is timed
                       (default ${DEFAULT_INSPECT_BENCH.analysisSizes.join(',')})
  --no-inspect         skip the inspector's measurements
  --no-first-step      skip the time to the first step of the page's default setup (cnn-small,
                       AdaFisher and Adam), measured first on the new device, then after the page's
                       compile ahead of Start, then for a run added after the others
  --no-pipelining      skip the default setup's steady state timed with each step waited for and
                       pipelined (steps in flight), alternately
  --profile            profile one step of each row, the step after its timed ones: every dispatch's
                       op, layer, phase (forward, backward, optimizer) and GPU time, with totals by
                       phase and by layer, in the row's "profile"; timed with timestamp queries
                       where the adapter offers them, else op by op (one submit per dispatch)
  --profile-method M   ${BENCH_PROFILES.join(', ')} (default auto; implies --profile)
  --help               show this text

Optimizers use the paper's settings. Image presets, CIFAR-10: sgd lr 0.1 momentum 0.9,
adam/adamw lr 1e-3, adafisher/adafisherw lr 1e-3 tcov 100, kfac lr 0.3 damping 1e-3 interval 10
clip 1, shampoo lr 0.3 damping 1e-12 interval 1 clip 1, adahessian lr 0.15 eps 1e-4, all with
weight decay 5e-4 (kfac and shampoo with momentum 0.9). cnn-small's shampoo departs with
max_factor_dim 1024 (its fc.weight's 2048 side gets no statistic).
Language models, WikiText-2: adamw lr 1e-5, adafisherw lr 1e-4 tcov 10, weight decay 0.1
(adam and adafisher alike; sgd lr 0.1); shampoo lr 3e-3 clip 10, adahessian lr 0.15, weight
decay 0.1; kfac with the paper's transformer settings (lr 3e-3, weight decay 0.06, clip 10).
Their rows add tokens per second and the ratio to AdamW.
The browser is found through CHROME_PATH, then /usr/bin/chromium and Chrome's usual paths.`;

export interface BenchCommand {
  options: BenchOptions;
  out: string;
}

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new BenchOptionsError(`${flag} must be a whole number >= ${min}, got "${text}"`);
  }
  return value;
}

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** null for --help; throws BenchOptionsError (or parseArgs' TypeError) on a bad option. */
export function parseBenchArgs(argv: readonly string[]): BenchCommand | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: 'string' },
      batch: { type: 'string' },
      'text-batch': { type: 'string' },
      vocabulary: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      presets: { type: 'string' },
      optimizers: { type: 'string' },
      seed: { type: 'string' },
      'landscape-steps': { type: 'string' },
      'landscape-grid': { type: 'string' },
      'landscape-eval': { type: 'string' },
      'no-landscape': { type: 'boolean' },
      'inspect-steps': { type: 'string' },
      'inspect-sizes': { type: 'string' },
      'no-inspect': { type: 'boolean' },
      'no-first-step': { type: 'boolean' },
      'no-pipelining': { type: 'boolean' },
      profile: { type: 'boolean' },
      'profile-method': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  if (values.out !== undefined && !values.out.endsWith('.json')) throw new BenchOptionsError(`--out must name a .json file, got "${values.out}"`);
  const given: Partial<BenchOptions> = {
    batch: wholeNumber('--batch', values.batch, 1),
    textBatch: wholeNumber('--text-batch', values['text-batch'], 1),
    vocabulary: wholeNumber('--vocabulary', values.vocabulary, 2),
    steps: wholeNumber('--steps', values.steps, 1),
    warmup: wholeNumber('--warmup', values.warmup, 0),
    seed: wholeNumber('--seed', values.seed, 0),
    presets: list(values.presets),
    optimizers: list(values.optimizers) as BenchOptimizer[] | undefined,
    landscape: values['no-landscape']
      ? null
      : {
          steps: wholeNumber('--landscape-steps', values['landscape-steps'], 11) ?? DEFAULT_LANDSCAPE_BENCH.steps,
          grid: wholeNumber('--landscape-grid', values['landscape-grid'], 3) ?? DEFAULT_LANDSCAPE_BENCH.grid,
          evalSize: wholeNumber('--landscape-eval', values['landscape-eval'], 1) ?? DEFAULT_LANDSCAPE_BENCH.evalSize,
        },
    inspect: values['no-inspect']
      ? null
      : {
          steps: wholeNumber('--inspect-steps', values['inspect-steps'], 3) ?? DEFAULT_INSPECT_BENCH.steps,
          analysisSizes: list(values['inspect-sizes'])?.map((size) => wholeNumber('--inspect-sizes', size, 1)!) ?? DEFAULT_INSPECT_BENCH.analysisSizes,
        },
    firstStep: values['no-first-step'] ? false : undefined,
    pipelining: values['no-pipelining'] ? null : undefined,
    profile: (values['profile-method'] as BenchProfile | undefined) ?? (values.profile ? 'auto' : undefined),
  };
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<BenchOptions>;
  try {
    return { options: resolveBenchOptions(defined), out: values.out ?? DEFAULT_BENCH_OUT };
  } catch (error) {
    // The engine names fields; on the command line they are flags.
    if (error instanceof BenchOptionsError) throw new BenchOptionsError(`--${error.message}`);
    throw error;
  }
}
