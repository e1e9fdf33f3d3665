// The run configuration: one schema for YAML files on the command line, the page's setup
// and shared links. Every value is range-checked here, so an invalid value is reported with
// its path and the allowed range before anything touches the GPU.

import { z } from 'zod';

const learningRate = z.number().min(0, 'must be >= 0');
const beta = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');
const weightDecay = z.number().min(0, 'must be >= 0');
/** An error message that shows an array or object value itself: describeIssue shows only plain values. */
const showingValue = (message: string) => (issue: { input?: unknown }) =>
  typeof issue.input === 'object' && issue.input !== null ? `${message} (got ${JSON.stringify(issue.input)})` : message;
const positiveInt = z.number().int('must be a whole number').positive('must be > 0');

export const sgdSchema = z.strictObject({
  type: z.literal('sgd'),
  lr: learningRate,
  momentum: beta.default(0),
  dampening: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(0),
  nesterov: z.boolean().default(false),
  weight_decay: weightDecay.default(0),
});

export const adamSchema = z.strictObject({
  type: z.enum(['adam', 'adamw']),
  lr: learningRate,
  betas: z.tuple([beta, beta]).default([0.9, 0.999]),
  eps: z.number().positive('must be > 0').default(1e-8),
  weight_decay: weightDecay.default(0),
});

/** AdaFisher (coupled L2 weight decay) and AdaFisherW (decoupled), as docs/adafisher.md describes them. */
export const adafisherSchema = z.strictObject({
  type: z.enum(['adafisher', 'adafisherw']),
  lr: learningRate,
  beta: beta.default(0.9),
  /** λ, the damping added to every entry of F. */
  damping: z.number().positive('must be > 0').default(1e-3),
  /** Reference running average: H_D <- (1 - gammas[0]) H_D + gammas[1] v. */
  gammas: z.tuple([beta, beta]).default([0.92, 0.008]),
  /** "reference" follows the published code (the default); "paper" uses H_D <- γ H_D + (1-γ) v. */
  average: z.enum(['reference', 'paper']).default('reference'),
  paper_gamma: beta.default(0.8),
  /** Factors are measured when step % tcov == 0. */
  tcov: positiveInt.default(100),
  weight_decay: weightDecay.default(0),
});

const positiveNumber = z.number().positive('must be > 0');

/**
 * K-FAC as AdaFisher's CIFAR experiments ran it (ASDL's KfacGradientMaker around SGD; "asdl"),
 * or the standalone K-FAC of the repository's loss-landscape notebook ("notebook"), as
 * docs/optimizers.md describes them.
 */
export const kfacSchema = z.strictObject({
  type: z.literal('kfac'),
  variant: z.enum(['asdl', 'notebook']).default('asdl'),
  lr: learningRate,
  momentum: beta.default(0.9),
  weight_decay: weightDecay.default(0),
  /** λ: factored Tikhonov damping (asdl), or added to the eigenvalue products (notebook). */
  damping: positiveNumber.default(1e-3),
  /** Curvature (Kronecker factors) every `interval` steps; the notebook's TCov. */
  interval: positiveInt.default(10),
  /** asdl: the gradient-norm clip applied after preconditioning, before SGD. */
  clip: positiveNumber.default(1),
  /** notebook: the factors' running average m <- stat_decay m + (1 - stat_decay) new. */
  stat_decay: beta.default(0.95),
  /** notebook: eigendecompositions every `inverse_interval` steps (TInv). */
  inverse_interval: positiveInt.default(100),
  /** notebook: the KL clip of the preconditioned step. */
  kl_clip: positiveNumber.default(1e-3),
});

/** Shampoo as AdaFisher's experiments ran it (ASDL's ShampooGradientMaker around SGD), docs/optimizers.md. */
export const shampooSchema = z.strictObject({
  type: z.literal('shampoo'),
  lr: learningRate,
  momentum: beta.default(0.9),
  weight_decay: weightDecay.default(0),
  /** The ridge added to each statistic, relative to its largest eigenvalue. */
  damping: positiveNumber.default(1e-12),
  /** Statistics and inverse roots every `interval` steps; the preconditioner applies every step. */
  interval: positiveInt.default(1),
  clip: positiveNumber.default(1),
  /** A dimension longer than this gets no statistic on its side (blocked Shampoo's limit; a tied word embedding). */
  max_factor_dim: positiveInt.default(4096),
});

/** AdaHessian as the AdaFisher repository implements it, docs/optimizers.md. */
export const adahessianSchema = z.strictObject({
  type: z.literal('adahessian'),
  lr: learningRate,
  betas: z.tuple([beta, beta]).default([0.9, 0.999]),
  eps: positiveNumber.default(1e-4),
  /** Decoupled: θ <- θ - lr · weight_decay · θ, apart from the preconditioned step. */
  weight_decay: weightDecay.default(0),
  /** k: the denominator is (√v̂)^k + ε. */
  hessian_power: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(1),
});

export const optimizerSchema = z.discriminatedUnion('type', [sgdSchema, adamSchema, adafisherSchema, kfacSchema, shampooSchema, adahessianSchema]);

export const scheduleSchema = z.strictObject({
  type: z.enum(['constant', 'cosine']).default('constant'),
  /** Linear warm-up from 0 over this many steps, then the schedule. */
  warmup_steps: z.number().int('must be a whole number >= 0').min(0, 'must be a whole number >= 0').default(0),
  /** Cosine: the learning rate at the end of the run, as a fraction of lr. */
  final_fraction: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(0),
});

/** A CSS colour: a name ("black", "cyan") or a hex code ("#1f77b4"). */
const colorSchema = z
  .string()
  .regex(/^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-z]{3,20})$/, 'must be a colour name such as "black" or a hex code such as "#1f77b4"');

const groupPattern = z.string().min(1, 'must not be empty');

/**
 * PyTorch's param_groups, by name: `params` are glob patterns over state_dict names (`*` stands
 * for any run of characters: "tok_emb.*", "*.bias", "blocks.0.*"). `lr` replaces the optimizer's
 * lr for the group (the run's schedule still scales it), `weight_decay` replaces its weight decay;
 * `frozen` holds the group's tensors fixed (no gradient, no optimizer state, no weight decay).
 */
export const paramGroupSchema = z
  .strictObject({
    params: z.union([groupPattern, z.array(groupPattern).min(1, 'needs at least one pattern')], {
      error: showingValue('must be a name pattern or a list of them, e.g. "tok_emb.*" or ["*.bias", "ln*.weight"]'),
    }),
    lr: learningRate.optional(),
    weight_decay: weightDecay.optional(),
    frozen: z.boolean().optional(),
  })
  .refine((group) => !group.frozen || (group.lr === undefined && group.weight_decay === undefined), {
    message: 'a frozen group is never updated: remove its lr and weight_decay, or frozen',
    path: ['frozen'],
  });

export const runSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty').max(60),
  /** The run's colour in every chart; by default the page's palette, by the run's index. */
  color: colorSchema.optional(),
  optimizer: optimizerSchema,
  schedule: scheduleSchema.default({ type: 'constant', warmup_steps: 0, final_fraction: 0 }),
  /** Parameter groups; a parameter in no group uses the optimizer's lr and weight_decay. */
  param_groups: z.array(paramGroupSchema).optional(),
});

export { HF_DEFAULT_BASE_URL as DEFAULT_HF_BASE_URL } from './hf-hub';

/** Where `npm run data -- <dataset>` writes, as the page serves it. */
export function defaultManifestUrl(dataset: string): string {
  return `/data/${dataset}/manifest.json`;
}

export const dataSchema = z.strictObject({
  /**
   * "synthetic" is built in (shapes for image classification, a grammar's sentences for
   * language modelling); "cifar10" and "wikitext2" are the real datasets, read as `from` says.
   */
  source: z.enum(['synthetic', 'cifar10', 'wikitext2', 'iris']).default('synthetic'),
  /**
   * shards: the manifest at `url` (default /data/<source>/manifest.json, as `npm run data` writes it);
   * files: the official archive or files handed over (--data on the command line, or dropped on the page);
   * huggingface: the dataset's parquet files on the Hub (or a mirror at `url`), read with range requests.
   */
  from: z.enum(['shards', 'files', 'huggingface']).default('shards'),
  /** The manifest URL (shards) or the Hub's base URL (huggingface); relative URLs are on the page's origin. */
  url: z.string().min(1, 'must not be empty').optional(),
  /** Synthetic set sizes: images, or lines of text (the validation split has test_size lines too). */
  train_size: positiveInt.default(5000),
  test_size: positiveInt.default(1000),
  augment: z.enum(['standard', 'none']).default('standard'),
  shuffle: z.boolean().default(true),
  normalize: z.boolean().default(true),
});

const IMAGE_MODELS = ['cnn-small', 'resnet-mini'] as const;
const TEXT_MODELS = ['gpt1-tiny', 'gpt1-paper'] as const;
const TABULAR_MODELS = ['iris-mlp'] as const;
const TASK_MODELS: Record<string, readonly string[]> = {
  'image-classification': IMAGE_MODELS,
  'language-modeling': TEXT_MODELS,
  'tabular-classification': TABULAR_MODELS,
};
const TASK_SOURCES: Record<string, readonly string[]> = {
  'image-classification': ['synthetic', 'cifar10'],
  'language-modeling': ['synthetic', 'wikitext2'],
  'tabular-classification': ['iris'],
};

export const LANDSCAPE_MAX_GRID = 101;
export const LANDSCAPE_MAX_EVAL_SIZE = 4096;
/** "auto" or a value; `allowed` is the whole message, so a wrong type reads the same as a wrong number. */
const autoOr = <T extends z.ZodType>(schema: T, allowed: string) => z.union([z.literal('auto'), schema], { error: showingValue(allowed) });
const GRID_RANGE = `must be "auto" or a whole number in 3..${LANDSCAPE_MAX_GRID}`;
const EVAL_SIZE_RANGE = `must be "auto" or a whole number in 1..${LANDSCAPE_MAX_EVAL_SIZE}`;
const BUDGET_RANGE = 'must be "auto" or a number of MiB in (0, 65536]';
const AXIS_RANGE = 'must be [low, high] with low < high';
const axisRange = z
  .tuple([z.number(), z.number()], { error: showingValue(AXIS_RANGE) })
  .refine(([low, high]) => low < high, { error: showingValue(AXIS_RANGE) });

/**
 * The loss landscape (docs/landscape.md): snapshots of every run on the GPU, a plane through
 * them, and the true loss on a grid over that plane.
 */
export const landscapeSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** pca: one plane through every run's trajectory; random: two filter-normalised directions; weights: two scalar parameters. */
  plane: z.enum(['pca', 'random', 'weights']).default('pca'),
  /** The run whose weights centre the plane (pca: the reference θ_ref); the first run by default. */
  center_run: z.string().min(1, 'must not be empty').optional(),
  /** random: centre on the centre run's current weights, or on the shared start. */
  center: z.enum(['current', 'start']).default('current'),
  /** weights: two scalar parameters by state_dict name and index, e.g. "fc1.weight[0, 1]". */
  weights: z
    .tuple([z.string().min(1, 'must not be empty'), z.string().min(1, 'must not be empty')], {
      error: showingValue('must be two parameters, e.g. ["fc1.weight[0, 0]", "fc1.weight[0, 1]"]'),
    })
    .optional(),
  /** random: the seed of both directions. */
  seed: z.number().int('must be a whole number').min(0, 'must be >= 0').default(0),
  /** Points along each axis; auto adapts to the adapter's measured speed. */
  grid: autoOr(z.number().int(GRID_RANGE).min(3, GRID_RANGE).max(LANDSCAPE_MAX_GRID, GRID_RANGE), GRID_RANGE).default('auto'),
  /** The α and β ranges; auto covers every trajectory point with `margin` to spare. */
  range: autoOr(z.strictObject({ x: axisRange, y: axisRange }), 'must be "auto" or { x: [low, high], y: [low, high] }').default('auto'),
  /** Extra room around the trajectories in auto range, as a fraction of their extent. */
  margin: z.number().min(0, 'must be in [0, 2]').max(2, 'must be in [0, 2]').default(0.2),
  /** Training examples (or sequences) the surface's loss is measured on, without augmentation; auto adapts to the adapter. */
  eval_size: autoOr(z.number().int(EVAL_SIZE_RANGE).min(1, EVAL_SIZE_RANGE).max(LANDSCAPE_MAX_EVAL_SIZE, EVAL_SIZE_RANGE), EVAL_SIZE_RANGE).default('auto'),
  /** Every run's weights are copied on the GPU at step 0 and every this many steps. */
  snapshot_every: positiveInt.default(10),
  /** GPU memory for all snapshots in MiB; auto takes a share of the adapter's limits. */
  budget_mb: autoOr(z.number().positive(BUDGET_RANGE).max(65536, BUDGET_RANGE), BUDGET_RANGE).default('auto'),
  /**
   * The landscape's GPU time for each unit of training time while runs train (0.2: 12 s a minute
   * of training, at most a sixth of the GPU; 1: as much as the training); all of it when they are paused or done.
   */
  share: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(0.2),
  /** Fit the plane once and keep it (pca), instead of re-fitting as training goes on. */
  freeze: z.boolean().default(false),
});

/**
 * The Kronecker-factor inspector (docs/adafisher-inspector.md): at every measurement, the diagonal's
 * share of every Linear and Conv2d layer's factors (and AdaFisher's F̃), and the full factors of
 * the named layers, written to factors.safetensors and analysed into inspect.json.
 */
export const inspectSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Linear or Conv2d layers by name whose full H and S are measured and written. */
  layers: z.array(z.string().min(1, 'must not be empty')).default([]),
  /** Runs inspected, by name; every run when absent. */
  runs: z.array(z.string().min(1, 'must not be empty')).min(1, 'needs at least one run (or leave it out for every run)').optional(),
  /** A measurement every this many steps; an AdaFisher run's tcov (otherwise 100) when absent. */
  every: positiveInt.optional(),
  /** The measurements whose full factors are written (steps trained before each, multiples of every); every measurement when absent. */
  steps: z
    .array(z.number().int('must be a whole number').min(0, 'must be >= 0'))
    .min(1, 'needs at least one step (or leave it out for every measurement)')
    .optional(),
});

/** Steps a config may profile: each profiled step runs dispatch by dispatch, far slower than a step. */
export const MAX_PROFILED_STEPS = 20;

/**
 * Profiles of chosen training steps (docs/performance.md): every dispatch's op, layer, phase and
 * GPU time, by phase and by layer; the command line writes them to each run's profile.json.
 */
export const profileSchema = z.strictObject({
  /** The steps profiled, counted from 1 as in metrics rows. */
  steps: z
    .array(positiveInt)
    .min(1, 'needs at least one step')
    .max(MAX_PROFILED_STEPS, `at most ${MAX_PROFILED_STEPS} steps (each profiled step runs dispatch by dispatch)`),
  /** Runs profiled, by name; every run when absent. */
  runs: z.array(z.string().min(1, 'must not be empty')).min(1, 'needs at least one run (or leave it out for every run)').optional(),
});

/**
 * Pretrained tables put into a language model before training: GPT-1's token and position
 * embeddings (the paper's WikiText-2 runs), read by range requests from GPT-1's model.safetensors
 * on the Hugging Face Hub, from a mirror's `url`, or from a local file (--embeddings on the
 * command line). They index GPT-1's BPE vocabulary, so the data must be GPT-1 BPE tokens.
 */
export const embeddingsSchema = z.strictObject({
  from: z.literal('gpt1', { error: showingValue('must be "gpt1" (GPT-1\'s token and position embeddings)') }),
  /** model.safetensors of openai-community/openai-gpt, or a mirror of it; the Hub's by default. */
  url: z.url({ error: showingValue('must be an http(s) URL of a model.safetensors') }).optional(),
});

export const runConfigSchema = z
  .strictObject({
    task: z.enum(['image-classification', 'language-modeling', 'tabular-classification']).default('image-classification'),
    model: z.enum([...IMAGE_MODELS, ...TEXT_MODELS, ...TABULAR_MODELS]).default('cnn-small'),
    data: dataSchema.default(dataSchema.parse({})),
    batch_size: positiveInt.max(4096, 'must be <= 4096').default(64),
    steps: positiveInt.optional(),
    epochs: positiveInt.optional(),
    seed: z.number().int().min(0, 'must be >= 0').default(0),
    /** Train metrics are read back every log_every steps (the only read-back during training). */
    log_every: positiveInt.default(10),
    /**
     * Starting values that replace the initialisation of named parameters, in row-major order,
     * e.g. { "fc1.weight": [0.2, 0.2] } (the seed's Iris experiment).
     */
    init: z.record(z.string().min(1, 'must not be empty'), z.array(z.number()).min(1, 'needs at least one value')).optional(),
    runs: z.array(runSchema).min(1, 'needs at least one run').max(8, 'at most 8 runs at once'),
    landscape: landscapeSchema.optional(),
    inspect: inspectSchema.optional(),
    profile: profileSchema.optional(),
    embeddings: embeddingsSchema.optional(),
  })
  .refine((config) => config.steps !== undefined || config.epochs !== undefined, { message: 'set steps or epochs', path: ['steps'] })
  .refine((config) => new Set(config.runs.map((run) => run.name)).size === config.runs.length, { message: 'run names must be unique', path: ['runs'] })
  .refine((config) => TASK_MODELS[config.task].includes(config.model), {
    message: `must suit the task: ${Object.entries(TASK_MODELS)
      .map(([task, models]) => `${models.join(' or ')} for ${task}`)
      .join(', ')}`,
    path: ['model'],
  })
  .refine((config) => TASK_SOURCES[config.task].includes(config.data.source), {
    message: `must suit the task: ${Object.entries(TASK_SOURCES)
      .map(([task, sources]) => `${sources.join(' or ')} for ${task}`)
      .join(', ')}`,
    path: ['data', 'source'],
  })
  .refine((config) => !config.landscape?.center_run || config.runs.some((run) => run.name === config.landscape?.center_run), {
    error: (issue) => {
      const config = issue.input as { runs: { name: string }[]; landscape: { center_run: string } };
      return `must name one of the runs: ${config.runs.map((run) => JSON.stringify(run.name)).join(', ')} (got ${JSON.stringify(config.landscape.center_run)})`;
    },
    path: ['landscape', 'center_run'],
  })
  .refine((config) => (config.inspect?.runs ?? []).every((name) => config.runs.some((run) => run.name === name)), {
    error: (issue) => {
      const config = issue.input as { runs: { name: string }[]; inspect: { runs: string[] } };
      const unknown = config.inspect.runs.filter((name) => !config.runs.some((run) => run.name === name));
      return `must name runs of this config: ${config.runs.map((run) => JSON.stringify(run.name)).join(', ')} (got ${unknown.map((name) => JSON.stringify(name)).join(', ')})`;
    },
    path: ['inspect', 'runs'],
  })
  .refine((config) => (config.profile?.runs ?? []).every((name) => config.runs.some((run) => run.name === name)), {
    error: (issue) => {
      const config = issue.input as { runs: { name: string }[]; profile: { runs: string[] } };
      const unknown = config.profile.runs.filter((name) => !config.runs.some((run) => run.name === name));
      return `must name runs of this config: ${config.runs.map((run) => JSON.stringify(run.name)).join(', ')} (got ${unknown.map((name) => JSON.stringify(name)).join(', ')})`;
    },
    path: ['profile', 'runs'],
  })
  .refine((config) => config.steps === undefined || (config.profile?.steps ?? []).every((step) => step <= config.steps!), {
    error: (issue) => {
      const config = issue.input as { steps: number; profile: { steps: number[] } };
      const late = config.profile.steps.filter((step) => step > config.steps);
      return `must be steps of the training, 1 to ${config.steps} (got ${late.join(', ')})`;
    },
    path: ['profile', 'steps'],
  })
  .refine((config) => !config.embeddings || config.task === 'language-modeling', {
    message: 'pretrained embeddings are for language models (task: language-modeling)',
    path: ['embeddings'],
  })
  .refine((config) => config.landscape?.plane !== 'weights' || config.landscape.weights !== undefined, {
    message: 'the weights plane needs two parameters, e.g. weights: ["fc1.weight[0, 0]", "fc1.weight[0, 1]"]',
    path: ['landscape', 'weights'],
  });

export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type RunSpec = z.infer<typeof runSchema>;
export type ParamGroupConfig = z.infer<typeof paramGroupSchema>;
export type LandscapeConfig = z.infer<typeof landscapeSchema>;
export type InspectConfig = z.infer<typeof inspectSchema>;
export type ProfileConfig = z.infer<typeof profileSchema>;
export type EmbeddingsConfig = z.infer<typeof embeddingsSchema>;
export type RunConfig = z.infer<typeof runConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length
    ? issue.path
        .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
        .join('')
        .replace(/^\./, '')
    : '(top level)';
  const given = 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object' ? ` (got ${JSON.stringify(issue.input)})` : '';
  return `${path}: ${issue.message}${given}`;
}

/** Parses and range-checks a config object; throws ConfigError listing every problem with its path. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map(describeIssue));
  return result.data;
}

export function parseOptimizerConfig(input: unknown): OptimizerConfig {
  const result = optimizerSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map(describeIssue));
  return result.data;
}
