// Batches of the paper's windows (paper-windows.ts): a split is one stream cut into windows of
// T + 1 ids starting every T, T being the model's context (256 for gpt1-paper, as in the
// authors' runs). Training shuffles the full windows anew every epoch, as their DataLoader
// (shuffle=True) does; validation and test read every window once, in order, the final one
// padded and masked, so a split's loss is the mean NLL over its non-padding targets.
//
// Two departures in training, both because the engine's training loss divides by every target
// of a batch (B·T) while the authors' divides by the non-padding ones: the final, padded window
// of the training split (fewer than T targets) is not trained on, and an epoch is
// floor(windows / B) full batches (drop_last) rather than ceil(windows / B) with a short last
// one. A different handful of windows misses each epoch; which ones follows the shuffle.

import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { createRng, permutation, type Rng } from '../random';
import { DatasetError } from './dataset-error';
import { paperWindows, paperWindowSpans, type PaperWindows } from './paper-windows';
import type { TokenBatch, TokenBatcherOptions, TokenBatchShape, TokenIds } from './token-batches';

function checkShape({ batchSize, context }: TokenBatchShape): void {
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new RangeError(`The batch size must be a whole number > 0, got ${batchSize}.`);
  if (!Number.isSafeInteger(context) || context <= 0) throw new RangeError(`The context length must be a whole number > 0, got ${context}.`);
}

/** Windows of T + 1 ids a stream of `count` ids holds before its final, padded one. */
export function fullPaperWindows(count: number, context: number): number {
  return paperWindowSpans(count, context).filter(([, length]) => length === context + 1).length;
}

function allocateBatch({ batchSize, context }: TokenBatchShape): TokenBatch {
  return { inputs: new Uint32Array(batchSize * context), targets: new Uint32Array(batchSize * context), size: batchSize, tokens: batchSize * context };
}

/** Row `window` of the windows into row `row` of the batch. */
function copyRow(windows: PaperWindows, window: number, batch: TokenBatch, row: number): void {
  const { context } = windows;
  batch.inputs.set(windows.inputs.subarray(window * context, (window + 1) * context), row * context);
  batch.targets.set(windows.targets.subarray(window * context, (window + 1) * context), row * context);
}

/** Training batches: the split's full windows in a fresh seeded permutation every epoch, B at a time. */
export class PaperWindowBatcher {
  readonly batchSize: number;
  readonly context: number;
  /** Full windows of T + 1 ids: what training draws from. */
  readonly windows: number;
  readonly stepsPerEpoch: number;
  private readonly rows: PaperWindows;
  private readonly batch: TokenBatch;
  private readonly rng: Rng;
  /** This epoch's order of the windows; drawn at its first batch. */
  private order: Uint32Array | null = null;
  private currentEpoch = 0;
  private currentStep = 0;

  constructor(tokens: TokenIds, options: Readonly<TokenBatcherOptions>) {
    checkShape(options);
    const { batchSize, context } = options;
    this.windows = fullPaperWindows(tokens.length, context);
    if (this.windows < batchSize) {
      const advice = this.windows === 0 ? 'use a longer training split' : `lower batch_size to at most ${this.windows} or use a longer training split`;
      throw new DatasetError(
        'too-small',
        `The training split has ${tokens.length} tokens: ${this.windows} full windows of ${context + 1} (context ${context}), fewer than the batch size ${batchSize}; ${advice}.`,
      );
    }
    this.batchSize = batchSize;
    this.context = context;
    this.stepsPerEpoch = Math.floor(this.windows / batchSize);
    this.rows = paperWindows(tokens.subarray(0, this.windows * context + 1), context);
    this.batch = allocateBatch(options);
    this.rng = createRng(options.seed);
  }

  /** The epoch the next batch belongs to, from 0. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** The next batch, written into the same buffers every call: copy what must outlive the next call. */
  next(): TokenBatch {
    this.order ??= permutation(this.windows, this.rng);
    const first = this.currentStep * this.batchSize;
    for (let row = 0; row < this.batchSize; row++) copyRow(this.rows, this.order[first + row], this.batch, row);
    this.currentStep++;
    if (this.currentStep === this.stepsPerEpoch) {
      this.currentEpoch++;
      this.currentStep = 0;
      this.order = null;
    }
    return this.batch;
  }
}

/** Refuses a split whose windows predict nothing: its loss would be 0 / 0. */
export function checkPaperEvaluationWindows(windows: PaperWindows, split: string): void {
  if (windows.tokens === 0) {
    throw new DatasetError('too-small', `The ${split} split has no token to predict (a window needs at least 2 tokens); use a longer ${split} split.`);
  }
}

/**
 * Every window of a split once, in order, B per batch: the final window's padded targets are
 * IGNORE_TARGET, and in the last batch only the first `size` rows are real (the rest have
 * inputs 0 and every target IGNORE_TARGET). `tokens` counts a batch's scored targets.
 */
export function* paperEvaluationBatches(windows: PaperWindows, batchSize: number, split = 'evaluation'): Generator<TokenBatch, void, undefined> {
  const { context } = windows;
  checkShape({ batchSize, context });
  checkPaperEvaluationWindows(windows, split);
  const batch = allocateBatch({ batchSize, context });
  for (let first = 0; first < windows.windows; first += batchSize) {
    const size = Math.min(batchSize, windows.windows - first);
    for (let row = 0; row < size; row++) copyRow(windows, first + row, batch, row);
    batch.inputs.fill(0, size * context);
    batch.targets.fill(IGNORE_TARGET, size * context);
    let counted = 0;
    for (let i = 0; i < size * context; i++) if (batch.targets[i] !== IGNORE_TARGET) counted++;
    batch.size = size;
    batch.tokens = counted;
    yield batch;
  }
}
