// What the run editor shows and checks for each optimizer: its editable fields with labels,
// ranges and one-line help, typed text validated by the run-config schema itself (so the page
// and the command line report the same "must be >= 0 (got -1)"), and the per-task defaults
// new runs start from. No React here.

import type { z } from 'zod';
import {
  adafisherSchema,
  adahessianSchema,
  adamSchema,
  kfacSchema,
  optimizerSchema,
  runSchema,
  scheduleSchema,
  sgdSchema,
  shampooSchema,
  type OptimizerConfig,
  type RunSpec,
  type ScheduleConfig,
} from '../engine/config/run-config';
import { DEFAULT_RUNS, DEFAULT_TABULAR_RUNS, DEFAULT_TEXT_RUNS } from './default-runs';
import type { Task } from './setup';

export type OptimizerType = OptimizerConfig['type'];

export const OPTIMIZER_TYPES: readonly OptimizerType[] = ['adafisher', 'adafisherw', 'adam', 'adamw', 'sgd', 'kfac', 'shampoo', 'adahessian'];

export const OPTIMIZER_LABELS: Record<OptimizerType, string> = {
  adafisher: 'AdaFisher',
  adafisherw: 'AdaFisherW',
  adam: 'Adam',
  adamw: 'AdamW',
  sgd: 'SGD',
  kfac: 'K-FAC',
  shampoo: 'Shampoo',
  adahessian: 'AdaHessian',
};

/** The schema's limits: names of at most 60 characters, at most 8 runs at once. */
export const MAX_NAME_LENGTH = runSchema.shape.name.maxLength ?? 60;
export const MAX_RUNS = 8;

export type FieldKind = 'number' | 'pair' | 'boolean' | 'choice';
export type FieldValue = number | [number, number] | boolean | string;

export interface FieldSpec {
  /** The key in the run config's optimizer (or schedule) section. */
  key: string;
  label: string;
  kind: FieldKind;
  /** The allowed range, shown next to the input. */
  range: string;
  /** Used in place of a schema message that does not state the range (zod's own "Too small: ..."). */
  rule: string;
  /** What the field does, in one line. */
  help: string;
  /** Whole numbers only (a numeric keypad on touch screens). */
  whole?: boolean;
  /** Names of the two numbers of a pair, as error messages mention them. */
  parts?: readonly [string, string];
  /** The values of a choice. */
  options?: readonly string[];
  /** When the field matters only for one setting of another field (K-FAC's notebook-only fields). */
  only?: { key: string; value: string; note: string };
}

const lr = (help: string): FieldSpec => ({ key: 'lr', label: 'Learning rate', kind: 'number', range: 'lr ≥ 0', rule: 'must be >= 0', help });
const weightDecay = (help: string): FieldSpec => ({
  key: 'weight_decay',
  label: 'Weight decay',
  kind: 'number',
  range: 'weight decay ≥ 0',
  rule: 'must be >= 0',
  help,
});

const SGD_FIELDS: readonly FieldSpec[] = [
  lr('Step size: θ ← θ − lr · buf, with buf the momentum buffer (as torch.optim.SGD).'),
  {
    key: 'momentum',
    label: 'Momentum',
    kind: 'number',
    range: 'momentum in [0, 1)',
    rule: 'must be in [0, 1)',
    help: 'buf ← momentum · buf + (1 − dampening) · g; 0 turns momentum off.',
  },
  {
    key: 'dampening',
    label: 'Dampening',
    kind: 'number',
    range: 'dampening in [0, 1]',
    rule: 'must be in [0, 1]',
    help: 'Scales the new gradient entering the momentum buffer by 1 − dampening.',
  },
  {
    key: 'nesterov',
    label: 'Nesterov',
    kind: 'boolean',
    range: 'on or off',
    rule: 'must be true or false',
    help: 'Steps along g + momentum · buf instead of buf (Nesterov momentum).',
  },
  weightDecay('Coupled L2: adds weight_decay · θ to the gradient before the momentum.'),
];

const adamFields = (decoupled: boolean): readonly FieldSpec[] => [
  lr('Step size: θ ← θ − lr · m̂ / (√v̂ + ε).'),
  {
    key: 'betas',
    label: 'Betas (β1, β2)',
    kind: 'pair',
    range: 'betas: each in [0, 1)',
    rule: 'must be in [0, 1)',
    parts: ['β1', 'β2'],
    help: 'Decay rates of the running means of g (β1) and g² (β2).',
  },
  {
    key: 'eps',
    label: 'Epsilon ε',
    kind: 'number',
    range: 'ε > 0',
    rule: 'must be > 0',
    help: 'Added to √v̂ so that steps stay finite where gradients are tiny.',
  },
  weightDecay(
    decoupled
      ? 'Decoupled (as torch.optim.AdamW): θ ← θ − lr · weight_decay · θ each step, apart from the adaptive step.'
      : 'Coupled L2 (as torch.optim.Adam): adds weight_decay · θ to the gradient.',
  ),
];

const adafisherFields = (decoupled: boolean): readonly FieldSpec[] => [
  lr('Step size; F sits near λ once the factors settle, so the effective step is lr/λ.'),
  {
    key: 'beta',
    label: 'Momentum β',
    kind: 'number',
    range: 'β in [0, 1)',
    rule: 'must be in [0, 1)',
    help: 'm ← β m + (1 − β) g, bias-corrected by 1 − β^t.',
  },
  {
    key: 'damping',
    label: 'Damping λ',
    kind: 'number',
    range: 'damping λ > 0',
    rule: 'must be > 0',
    help: 'F = S_D ⊗ H_D + λ: added to every entry of the diagonal Fisher; the step divides by F.',
  },
  {
    key: 'gammas',
    label: 'Gammas (γ0, γ1)',
    kind: 'pair',
    range: 'gammas: each in [0, 1)',
    rule: 'must be in [0, 1)',
    parts: ['γ0', 'γ1'],
    help: 'Reference running average of the factors: H_D ← (1 − γ0) H_D + γ1 v.',
  },
  {
    key: 'average',
    label: 'Average',
    kind: 'choice',
    range: 'reference or paper',
    rule: 'must be reference or paper',
    options: ['reference', 'paper'],
    help: 'reference: the published code (default, uses gammas); paper: H_D ← γ H_D + (1 − γ) v with paper γ.',
  },
  {
    key: 'paper_gamma',
    label: 'Paper γ',
    kind: 'number',
    range: 'paper γ in [0, 1)',
    rule: 'must be in [0, 1)',
    help: 'γ of the paper’s running average; used only when average is paper.',
  },
  {
    key: 'tcov',
    label: 'TCov',
    kind: 'number',
    whole: true,
    range: 'tcov: whole number > 0',
    rule: 'must be a whole number > 0',
    help: 'tcov = steps between factor measurements (measured when step % tcov = 0).',
  },
  weightDecay(decoupled ? 'Decoupled: θ ← θ − lr · (m̂ / F + weight_decay · θ).' : 'Coupled L2: g′ = g + weight_decay · θ before the momentum.'),
];

const momentum: FieldSpec = {
  key: 'momentum',
  label: 'Momentum',
  kind: 'number',
  range: 'momentum in [0, 1)',
  rule: 'must be in [0, 1)',
  help: 'buf ← momentum · buf + d (buf = d on the first step), d the preconditioned, clipped gradient plus weight_decay · θ.',
};

const interval = (help: string): FieldSpec => ({
  key: 'interval',
  label: 'Interval',
  kind: 'number',
  whole: true,
  range: 'interval: whole number > 0',
  rule: 'must be a whole number > 0',
  help,
});

const clip = (help: string): FieldSpec => ({ key: 'clip', label: 'Gradient clip', kind: 'number', range: 'clip > 0', rule: 'must be > 0', help });

const NOTEBOOK_ONLY = { key: 'variant', value: 'notebook', note: 'notebook variant only' } as const;

const KFAC_FIELDS: readonly FieldSpec[] = [
  {
    key: 'variant',
    label: 'Variant',
    kind: 'choice',
    range: 'asdl or notebook',
    rule: 'must be asdl or notebook',
    options: ['asdl', 'notebook'],
    help: 'asdl: the paper’s CIFAR runs (Monte-Carlo Fisher, exact inverses, clip, SGD); notebook: the landscape notebook’s K-FAC (empirical Fisher, running average, eigendecomposition).',
  },
  lr('Step size of the SGD that follows the preconditioning: θ ← θ − lr · buf.'),
  momentum,
  weightDecay('Coupled L2 after preconditioning and clipping: d = clip(B⁻¹ G A⁻¹) + weight_decay · θ.'),
  {
    key: 'damping',
    label: 'Damping λ',
    kind: 'number',
    range: 'damping λ > 0',
    rule: 'must be > 0',
    help: 'Factored Tikhonov: (A + λ_A I)⁻¹, (B + λ_B I)⁻¹ with λ_A = √λ·π, λ_B = √λ/π, π² = (tr A / dim A) / (tr B / dim B) (notebook: added to d_B d_Aᵀ).',
  },
  interval(
    'Curvature A, B every interval steps (step % interval = 0), inverted then (notebook: every inverse_interval); the latest inverses precondition every step.',
  ),
  clip('asdl variant: g ← g · min(1, clip / (‖g‖₂ + 1e-6)) over all parameters, after preconditioning, before SGD.'),
  {
    key: 'stat_decay',
    label: 'Stat decay',
    kind: 'number',
    range: 'stat decay in [0, 1)',
    rule: 'must be in [0, 1)',
    help: 'Running average of the factors: m ← stat_decay · m + (1 − stat_decay) · new.',
    only: NOTEBOOK_ONLY,
  },
  {
    key: 'inverse_interval',
    label: 'Inverse interval',
    kind: 'number',
    whole: true,
    range: 'inverse interval: whole number > 0',
    rule: 'must be a whole number > 0',
    help: 'Eigendecompositions of the factors every inverse_interval steps (TInv); the factors update every interval steps (TCov).',
    only: NOTEBOOK_ONLY,
  },
  {
    key: 'kl_clip',
    label: 'KL clip',
    kind: 'number',
    range: 'KL clip > 0',
    rule: 'must be > 0',
    help: 'The step is scaled by ν = min(1, √(kl_clip / Σ lr² ⟨V, g⟩)), V the preconditioned gradient.',
    only: NOTEBOOK_ONLY,
  },
];

const SHAMPOO_FIELDS: readonly FieldSpec[] = [
  lr('Step size of the SGD that follows the preconditioning: θ ← θ − lr · buf.'),
  momentum,
  weightDecay('Coupled L2 after preconditioning and clipping: d = clip(G ×₀ P₀ … ×ₖ₋₁ Pₖ₋₁) + weight_decay · θ.'),
  {
    key: 'damping',
    label: 'Damping',
    kind: 'number',
    range: 'damping > 0',
    rule: 'must be > 0',
    help: 'Ridge relative to the largest eigenvalue: P_i = (S_i + damping · λmax(S_i) · I)^(−1/2k) for a k-dimensional weight.',
  },
  interval('Statistics S_i += G_(i) G_(i)ᵀ and their inverse roots every interval steps; the preconditioner applies every step.'),
  clip('g ← g · min(1, clip / (‖g‖₂ + 1e-6)) over all parameters, after preconditioning, before SGD.'),
  {
    key: 'max_factor_dim',
    label: 'Max factor dim',
    kind: 'number',
    whole: true,
    range: 'max factor dim: whole number > 0',
    rule: 'must be a whole number > 0',
    help: 'A dimension longer than this gets no statistic (P_i = I on that side), as blocked Shampoo does for a word embedding.',
  },
];

const ADAHESSIAN_FIELDS: readonly FieldSpec[] = [
  lr('Step size: θ ← θ − lr · (m̂ / ((√v̂)^k + ε) + weight_decay · θ).'),
  {
    key: 'betas',
    label: 'Betas (β1, β2)',
    kind: 'pair',
    range: 'betas: each in [0, 1)',
    rule: 'must be in [0, 1)',
    parts: ['β1', 'β2'],
    help: 'Decay rates of the running means of g (β1) and of D² (β2), D = |H v| for one Rademacher v a step (Hutchinson).',
  },
  {
    key: 'eps',
    label: 'Epsilon ε',
    kind: 'number',
    range: 'ε > 0',
    rule: 'must be > 0',
    help: 'Added to (√v̂)^k so that steps stay finite where the curvature is tiny.',
  },
  weightDecay('Decoupled: θ ← θ − lr · weight_decay · θ, apart from the preconditioned step.'),
  {
    key: 'hessian_power',
    label: 'Hessian power k',
    kind: 'number',
    range: 'k in (0, 1]',
    rule: 'must be in (0, 1]',
    help: 'The denominator is (√v̂)^k + ε: k = 1 divides by the curvature estimate itself, smaller k by a softened one.',
  },
];

export const OPTIMIZER_FIELDS: Record<OptimizerType, readonly FieldSpec[]> = {
  sgd: SGD_FIELDS,
  adam: adamFields(false),
  adamw: adamFields(true),
  adafisher: adafisherFields(false),
  adafisherw: adafisherFields(true),
  kfac: KFAC_FIELDS,
  shampoo: SHAMPOO_FIELDS,
  adahessian: ADAHESSIAN_FIELDS,
};

export const SCHEDULE_FIELDS: readonly FieldSpec[] = [
  {
    key: 'type',
    label: 'Schedule',
    kind: 'choice',
    range: 'constant or cosine',
    rule: 'must be constant or cosine',
    options: ['constant', 'cosine'],
    help: 'constant keeps lr; cosine lowers it to final fraction · lr by the end of the run.',
  },
  {
    key: 'warmup_steps',
    label: 'Warm-up steps',
    kind: 'number',
    whole: true,
    range: 'whole number ≥ 0',
    rule: 'must be a whole number >= 0',
    help: 'lr rises linearly from 0 over this many steps, then follows the schedule.',
  },
  {
    key: 'final_fraction',
    label: 'Final fraction',
    kind: 'number',
    range: 'final fraction in [0, 1]',
    rule: 'must be in [0, 1]',
    help: 'Cosine only: lr at the end of the run, as a fraction of lr.',
  },
];

/** The fields of an optimizer type, or of the schedule. */
export function fieldsOf(type: OptimizerType | 'schedule'): readonly FieldSpec[] {
  return type === 'schedule' ? SCHEDULE_FIELDS : OPTIMIZER_FIELDS[type];
}

export function fieldSpec(type: OptimizerType | 'schedule', key: string): FieldSpec {
  const spec = fieldsOf(type).find((field) => field.key === key);
  if (!spec) throw new Error(`${type} has no field "${key}"`);
  return spec;
}

/** The schema section that checks a field, so messages match the command line's. */
function schemaShape(type: OptimizerType | 'schedule'): Record<string, z.ZodType> {
  switch (type) {
    case 'schedule':
      return scheduleSchema.shape;
    case 'sgd':
      return sgdSchema.shape;
    case 'adam':
    case 'adamw':
      return adamSchema.shape;
    case 'adafisher':
    case 'adafisherw':
      return adafisherSchema.shape;
    case 'kfac':
      return kfacSchema.shape;
    case 'shampoo':
      return shampooSchema.shape;
    case 'adahessian':
      return adahessianSchema.shape;
  }
}

/** Text for an input: numbers as JavaScript writes them (1e-8, 0.0005), pairs as "0.9, 0.999". */
export function formatFieldValue(value: FieldValue): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

// Decimal or scientific notation only: Number() would also take "0x10", " " and "Infinity".
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!NUMBER_TEXT.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

type Parsed = { value: FieldValue } | { error: string };

function readText(spec: FieldSpec, text: string): Parsed {
  switch (spec.kind) {
    case 'number': {
      const value = parseNumber(text);
      return value === null ? { error: 'enter a number' } : { value };
    }
    case 'pair': {
      // "0.9, 0.999", "0.9 0.999" and the YAML/JSON form "[0.9, 0.999]" all read as a pair.
      const parts = text
        .trim()
        .replace(/^[[(]|[\])]$/g, '')
        .split(/[\s,]+/)
        .filter((part) => part !== '');
      const values = parts.map(parseNumber);
      if (values.length !== 2 || values[0] === null || values[1] === null) {
        const [first, second] = spec.parts ?? ['first', 'second'];
        return { error: `enter a number for ${first} and one for ${second}, separated by a comma` };
      }
      return { value: [values[0], values[1]] };
    }
    case 'boolean': {
      const trimmed = text.trim();
      return trimmed === 'true' || trimmed === 'false' ? { value: trimmed === 'true' } : { error: 'choose true or false' };
    }
    case 'choice': {
      const trimmed = text.trim();
      return spec.options?.includes(trimmed) ? { value: trimmed } : { error: `choose ${(spec.options ?? []).join(' or ')}` };
    }
  }
}

/**
 * Validates typed text for one field as the run-config schema would: `{ value }` when valid,
 * else `{ error }` with the schema's message and the value, e.g. "must be >= 0 (got -1)".
 */
export function parseFieldInput(type: OptimizerType | 'schedule', field: string, text: string): Parsed {
  const spec = fieldSpec(type, field);
  const read = readText(spec, text);
  if ('error' in read) return read;
  const result = schemaShape(type)[field].safeParse(read.value, { reportInput: true });
  if (result.success) return { value: result.data as FieldValue };
  const issue = result.error.issues[0];
  // A few bounds of the schema carry zod's generic message; the field's rule states the range instead.
  const message = issue.message.startsWith('must') ? issue.message : spec.rule;
  const got = typeof issue.input === 'number' ? ` (got ${issue.input})` : '';
  const part = spec.parts && typeof issue.path[0] === 'number' ? `${spec.parts[issue.path[0]]}: ` : '';
  return { error: `${part}${message}${got}` };
}

// ---- Default settings of new runs --------------------------------------------------------

const clone = <T>(value: T): T => structuredClone(value);

type FisherConfig = Extract<OptimizerConfig, { type: 'adafisher' | 'adafisherw' }>;
type AdamConfig = Extract<OptimizerConfig, { type: 'adam' | 'adamw' }>;
const isFisher = (optimizer: OptimizerConfig): optimizer is FisherConfig => optimizer.type === 'adafisher' || optimizer.type === 'adafisherw';
const isAdam = (optimizer: OptimizerConfig): optimizer is AdamConfig => optimizer.type === 'adam' || optimizer.type === 'adamw';
const anyType = (_optimizer: OptimizerConfig): _optimizer is OptimizerConfig => true;

function optimizerOf<T extends OptimizerConfig>(runs: RunSpec[], type: OptimizerType, is: (optimizer: OptimizerConfig) => optimizer is T): T {
  const optimizer = runs.find((run) => run.optimizer.type === type)?.optimizer;
  if (!optimizer || !is(optimizer)) throw new Error(`default-runs.ts has no ${type} run`);
  return optimizer;
}

const IMAGE_ADAFISHER = optimizerOf(DEFAULT_RUNS, 'adafisher', isFisher);
const TEXT_ADAFISHERW = optimizerOf(DEFAULT_TEXT_RUNS, 'adafisherw', isFisher);
const TEXT_ADAMW = optimizerOf(DEFAULT_TEXT_RUNS, 'adamw', isAdam);
const TABULAR_ADAFISHER = optimizerOf(DEFAULT_TABULAR_RUNS, 'adafisher', isFisher);
const TABULAR_ADAM = optimizerOf(DEFAULT_TABULAR_RUNS, 'adam', isAdam);

type SecondOrderType = 'kfac' | 'shampoo' | 'adahessian';

/** A second-order optimizer's settings with the schema's defaults filled in. */
function secondOrder<T extends SecondOrderType>(settings: { type: T } & Record<string, unknown>): Extract<OptimizerConfig, { type: T }> {
  return optimizerSchema.parse(settings) as Extract<OptimizerConfig, { type: T }>;
}

/**
 * K-FAC, Shampoo and AdaHessian as the AdaFisher paper ran them (its repository's configs),
 * per task; the lead's measurements on the playground's presets may move the learning rates.
 * - image: the CNN column (Image_Classification/configs/{kfac,Shampoo,AdaHessian}CNN.yaml):
 *   K-FAC lr 0.3, momentum 0.9, weight decay 5e-4, damping 1e-3, interval 10, clip 1; Shampoo
 *   lr 0.3, momentum 0.9, weight decay 5e-4, damping 1e-12, interval 1, clip 1; AdaHessian lr
 *   0.15, betas (0.9, 0.999), eps 1e-4, weight decay 5e-4, k = 1. One departure: Shampoo's
 *   max_factor_dim 1024, because cnn-small (the page's image model) has fc.weight [10, 2048],
 *   whose 2048 x 2048 statistic would need an inverse root (a Newton iteration of 2048-wide
 *   matrix products) every step; with 1024 that side gets no factor. resnet-mini's dimensions
 *   are all below it.
 * - text: the GPT-1 column (Language_Model/{Shampoo,AdaHessian}.sh, clip 10 by run_exp.py's
 *   default): Shampoo lr 3e-3, momentum 0.9, weight decay 0.1, damping 1e-12, interval 1, clip 10;
 *   AdaHessian lr 0.15, weight decay 0.1. The paper ran no K-FAC on text, so K-FAC takes its ViT
 *   column (kfacViT.yaml): lr 3e-3, momentum 0.9, weight decay 0.06, damping 1e-3, interval 10, clip 10.
 * - tabular: the seed's Iris notebook (Analysis/Visualization_Loss_Landscape.ipynb): its standalone
 *   K-FAC (variant notebook) at lr 1e-3 with KFACOptimizer's defaults (momentum 0.9, stat_decay
 *   0.95, damping 1e-3, kl_clip 1e-3, TCov 10, TInv 100); Shampoo through ASDL around SGD lr 1e-3,
 *   momentum 0.9, clip 1, damping 1e-12 and interval 100 (the notebook rebinds its
 *   PreconditioningConfig to intervals of 100 before it builds the Shampoo gradient maker);
 *   AdaHessian lr 1e-2 with its defaults. No weight decay.
 */
const PAPER_SECOND_ORDER: Record<'image' | 'text' | 'tabular', Record<SecondOrderType, OptimizerConfig>> = {
  image: {
    kfac: secondOrder({ type: 'kfac', variant: 'asdl', lr: 0.3, momentum: 0.9, weight_decay: 5e-4, damping: 1e-3, interval: 10, clip: 1 }),
    shampoo: secondOrder({ type: 'shampoo', lr: 0.3, momentum: 0.9, weight_decay: 5e-4, damping: 1e-12, interval: 1, clip: 1, max_factor_dim: 1024 }),
    adahessian: secondOrder({ type: 'adahessian', lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 5e-4, hessian_power: 1 }),
  },
  text: {
    kfac: secondOrder({ type: 'kfac', variant: 'asdl', lr: 3e-3, momentum: 0.9, weight_decay: 0.06, damping: 1e-3, interval: 10, clip: 10 }),
    shampoo: secondOrder({ type: 'shampoo', lr: 3e-3, momentum: 0.9, weight_decay: 0.1, damping: 1e-12, interval: 1, clip: 10 }),
    adahessian: secondOrder({ type: 'adahessian', lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 0.1, hessian_power: 1 }),
  },
  tabular: {
    kfac: secondOrder({
      type: 'kfac',
      variant: 'notebook',
      lr: 1e-3,
      momentum: 0.9,
      weight_decay: 0,
      damping: 1e-3,
      interval: 10,
      stat_decay: 0.95,
      inverse_interval: 100,
      kl_clip: 1e-3,
    }),
    shampoo: secondOrder({ type: 'shampoo', lr: 1e-3, momentum: 0.9, weight_decay: 0, damping: 1e-12, interval: 100, clip: 1 }),
    adahessian: secondOrder({ type: 'adahessian', lr: 1e-2, weight_decay: 0 }),
  },
};

/**
 * Image classification: the page's comparison on cnn-small (default-runs.ts): AdaFisher lr 1e-4
 * (the net has no BatchNorm, configs/cnn-small-adafisher.yaml) with tcov 10 for quick browser
 * runs, Adam/AdamW lr 1e-3, SGD lr 0.01 momentum 0.9, all with weight decay 5e-4; AdaFisherW
 * takes AdaFisher's settings with its weight decay decoupled, as AdamW does Adam's.
 */
const IMAGE_OPTIMIZERS: Record<OptimizerType, OptimizerConfig> = {
  adafisher: IMAGE_ADAFISHER,
  adafisherw: { ...IMAGE_ADAFISHER, type: 'adafisherw' },
  adam: optimizerOf(DEFAULT_RUNS, 'adam', anyType),
  adamw: optimizerOf(DEFAULT_RUNS, 'adamw', anyType),
  sgd: optimizerOf(DEFAULT_RUNS, 'sgd', anyType),
  ...PAPER_SECOND_ORDER.image,
};

/**
 * Language modelling: AdaFisherW and AdamW as configs/gpt1-tiny-*.yaml (lr 1e-3, weight decay
 * 0.1). The paper runs no coupled optimizer on text, so the others match AdaFisherW's steps:
 * with F near λ its step is about (lr/λ) m̂ = m̂ and its decay lr · 0.1 = 1e-4 of θ per step.
 * Coupled AdaFisher scales the decay by lr/λ = 1 as well, so it takes weight decay 1e-4 (0.1
 * would shrink every weight by 10 % a step); SGD's buffer grows to g/(1 − 0.9) = 10 g, so lr
 * 0.1 gives the same step and weight decay 1e-4 the same decay; Adam divides the L2 term by
 * √v̂, which has no such match, so it runs without weight decay.
 */
const TEXT_OPTIMIZERS: Record<OptimizerType, OptimizerConfig> = {
  adafisherw: TEXT_ADAFISHERW,
  adafisher: { ...TEXT_ADAFISHERW, type: 'adafisher', weight_decay: 1e-4 },
  adamw: TEXT_ADAMW,
  adam: { ...TEXT_ADAMW, type: 'adam', weight_decay: 0 },
  sgd: { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 1e-4 },
  ...PAPER_SECOND_ORDER.text,
};

/**
 * Iris: the seed's notebook runs every optimizer at its published defaults with lr 1e-3
 * (default-runs.ts; AdaHessian 1e-2), without weight decay; the W variants take the same
 * settings, and SGD lr 1e-3 with momentum 0.9 as the seed's Shampoo steps.
 */
const TABULAR_OPTIMIZERS: Record<OptimizerType, OptimizerConfig> = {
  adafisher: TABULAR_ADAFISHER,
  adafisherw: { ...TABULAR_ADAFISHER, type: 'adafisherw' },
  adam: TABULAR_ADAM,
  adamw: { ...TABULAR_ADAM, type: 'adamw' },
  sgd: { type: 'sgd', lr: 1e-3, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 0 },
  ...PAPER_SECOND_ORDER.tabular,
};

const TASK_OPTIMIZERS: Record<Task, Record<OptimizerType, OptimizerConfig>> = {
  'image-classification': IMAGE_OPTIMIZERS,
  'language-modeling': TEXT_OPTIMIZERS,
  'tabular-classification': TABULAR_OPTIMIZERS,
};

const DEFAULT_SCHEDULE: ScheduleConfig = { type: 'constant', warmup_steps: 0, final_fraction: 0 };

/**
 * `stem + tail` if no run has it, else stem + tail + "-2", "-3", ...; the stem is shortened so the
 * name stays within the schema's length and the tail and number stay visible.
 */
export function uniqueName(stem: string, existingNames: readonly string[], tail = ''): string {
  const taken = new Set(existingNames);
  const fit = (suffix: string) => `${stem.slice(0, MAX_NAME_LENGTH - suffix.length)}${suffix}`;
  if (!taken.has(fit(tail))) return fit(tail);
  for (let n = 2; ; n++) {
    const name = fit(`${tail}-${n}`);
    if (!taken.has(name)) return name;
  }
}

/** A new run of `type` with the settings the page recommends for `task`, named after the type. */
export function defaultRun(type: OptimizerType, task: Task, existingNames: readonly string[]): RunSpec {
  return { name: uniqueName(type, existingNames), optimizer: clone(TASK_OPTIMIZERS[task][type]), schedule: clone(DEFAULT_SCHEDULE) };
}

/** A deep copy of `run` named "<name>-copy" (or the next free name); it takes the palette's colour, so the two stay apart in the charts. */
export function duplicateRun(run: RunSpec, existingNames: readonly string[]): RunSpec {
  const copy = clone(run);
  delete copy.color;
  copy.name = uniqueName(run.name, existingNames, '-copy');
  return copy;
}

/** Why `name` cannot name a run next to `others`, or null when it can. */
export function renameProblem(name: string, others: readonly string[]): string | null {
  if (name.trim() === '') return 'Enter a name for this run.';
  if (name.length > MAX_NAME_LENGTH) return `Use at most ${MAX_NAME_LENGTH} characters (this name has ${name.length}).`;
  if (others.includes(name)) return `Another run is already called "${name}": choose a different name.`;
  return null;
}
