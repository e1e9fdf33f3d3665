// Token ids -> next-token prediction batches (B, T), into buffers the batcher owns and reuses.
// Training draws windows at random offsets as nanoGPT's get_batch does; evaluation predicts
// every token after the first exactly once, so a split's loss is an average over all of it.

import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { createRng, type Rng } from '../random';
import { DatasetError } from './dataset-error';

export type TokenIds = Uint16Array | Uint32Array;

export interface TokenBatch {
  /** (batchSize, context) token ids, row-major. */
  inputs: Uint32Array;
  /** (batchSize, context): targets[r, t] is the token after inputs[r, t], or IGNORE_TARGET. */
  targets: Uint32Array;
  /** How many leading rows are real: batchSize, except perhaps in the last evaluation batch. */
  size: number;
  /** How many targets are not IGNORE_TARGET: what a mean loss over the batch divides by. */
  tokens: number;
}

export interface TokenBatchShape {
  batchSize: number;
  /** T: tokens the model sees per row. */
  context: number;
}

export interface TokenBatcherOptions extends TokenBatchShape {
  seed: number;
}

function checkShape({ batchSize, context }: TokenBatchShape): void {
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new RangeError(`The batch size must be a whole number > 0, got ${batchSize}.`);
  if (!Number.isSafeInteger(context) || context <= 0) throw new RangeError(`The context length must be a whole number > 0, got ${context}.`);
}

/** One window needs context + 1 tokens: context inputs, each followed by its target. */
function checkLength(count: number, context: number, split: string): void {
  if (count >= context + 1) return;
  const advice = count >= 2 ? `lower the context length to at most ${count - 1} or use a longer ${split} split` : `use a longer ${split} split`;
  throw new DatasetError(
    'too-small',
    `The ${split} split has ${count} tokens, fewer than the ${context + 1} one window of context ${context} needs; ${advice}.`,
  );
}

function allocateBatch({ batchSize, context }: TokenBatchShape): TokenBatch {
  return { inputs: new Uint32Array(batchSize * context), targets: new Uint32Array(batchSize * context), size: batchSize, tokens: batchSize * context };
}

/**
 * Tokens [start, start + context] into row `row`: inputs from the first context, targets from
 * the last. A loop rather than set(subarray(...)), which would allocate two views per row.
 */
function copyWindow(tokens: TokenIds, start: number, context: number, batch: TokenBatch, row: number): void {
  const { inputs, targets } = batch;
  const at = row * context;
  for (let t = 0; t < context; t++) {
    inputs[at + t] = tokens[start + t];
    targets[at + t] = tokens[start + t + 1];
  }
}

/**
 * Training batches of windows at uniformly random offsets (any of the n - T starts), so every
 * step sees a full batch. An "epoch" is just a count of steps, about as many targets as the
 * split has tokens; windows are drawn with replacement, not as a permutation.
 */
export class TokenBatcher {
  readonly batchSize: number;
  readonly context: number;
  readonly stepsPerEpoch: number;
  private readonly batch: TokenBatch;
  private readonly rng: Rng;
  private currentEpoch = 0;
  private currentStep = 0;

  constructor(
    readonly tokens: TokenIds,
    options: Readonly<TokenBatcherOptions>,
  ) {
    checkShape(options);
    checkLength(tokens.length, options.context, 'training');
    this.batchSize = options.batchSize;
    this.context = options.context;
    this.stepsPerEpoch = Math.max(1, Math.floor((tokens.length - 1) / (options.batchSize * options.context)));
    this.batch = allocateBatch(options);
    this.rng = createRng(options.seed);
  }

  /** The epoch the next batch belongs to, from 0. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** The next batch's index within its epoch, from 0 to stepsPerEpoch - 1. */
  get stepInEpoch(): number {
    return this.currentStep;
  }

  /** The next batch, written into the same buffers every call: copy what must outlive the next call. */
  next(): TokenBatch {
    const { batch, context, rng, tokens } = this;
    const starts = tokens.length - context;
    for (let row = 0; row < this.batchSize; row++) copyWindow(tokens, rng.int(starts), context, batch, row);
    this.currentStep++;
    if (this.currentStep === this.stepsPerEpoch) {
      this.currentEpoch++;
      this.currentStep = 0;
    }
    return batch;
  }
}

/** Targets an evaluation pass over n tokens predicts: every token but the first. */
export function countEvaluationTargets(count: number): number {
  return Math.max(0, count - 1);
}

/** Windows of one evaluation pass over n >= T + 1 tokens. */
function countEvaluationWindows(count: number, context: number): number {
  return Math.ceil(countEvaluationTargets(count) / context);
}

/** Batches one evaluation pass over n >= T + 1 tokens yields. */
export function countEvaluationBatches(count: number, shape: Readonly<TokenBatchShape>): number {
  checkShape(shape);
  return Math.ceil(countEvaluationWindows(count, shape.context) / shape.batchSize);
}

export interface EvaluationBatchOptions extends TokenBatchShape {
  /** Names the split in error messages: "validation", "test". */
  split?: string;
}

/**
 * One pass predicting every token after the first exactly once: windows of T + 1 tokens at
 * stride T, the last one moved back to end at the last token with the targets it shares
 * with the window before set to IGNORE_TARGET. Every batch is the same object and buffers;
 * in the last one only the first `size` rows are real, the rest have inputs 0 and every
 * target IGNORE_TARGET. Each window starts fresh: a token is predicted from what precedes it
 * in its own window (1 to T tokens), and the shifted last window gives its new targets the
 * longest contexts it can.
 */
export function* evaluationBatches(tokens: TokenIds, options: Readonly<EvaluationBatchOptions>): Generator<TokenBatch, void, undefined> {
  checkShape(options);
  const { batchSize, context } = options;
  checkLength(tokens.length, context, options.split ?? 'evaluation');
  const batch = allocateBatch(options);
  const windows = countEvaluationWindows(tokens.length, context);
  const last = tokens.length - 1 - context;
  for (let first = 0; first < windows; first += batchSize) {
    const size = Math.min(batchSize, windows - first);
    let counted = 0;
    for (let row = 0; row < size; row++) {
      const window = first + row;
      const start = Math.min(window * context, last);
      copyWindow(tokens, start, context, batch, row);
      // Targets start + 1 ... start + T; those up to window * T were predicted by the window before.
      const repeated = window * context - start;
      batch.targets.fill(IGNORE_TARGET, row * context, row * context + repeated);
      counted += context - repeated;
    }
    batch.inputs.fill(0, size * context);
    batch.targets.fill(IGNORE_TARGET, size * context);
    batch.size = size;
    batch.tokens = counted;
    yield batch;
  }
}

/** exp of the mean negative log-likelihood (in nats) per predicted token. */
export function perplexity(sumNll: number, tokens: number): number {
  if (!(tokens > 0)) throw new RangeError(`Perplexity needs at least one predicted token, got ${tokens}.`);
  return Math.exp(sumNll / tokens);
}
