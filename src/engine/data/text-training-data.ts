// Batches for a language model from token-id splits. Word-level text: random windows for
// training, every token once (in order) for validation and test perplexity. GPT-1 BPE text: the
// paper's windows (paper-window-batches.ts) for all three splits.

import type { Gpt1BpeTokenizer } from './gpt1-bpe';
import { checkPaperEvaluationWindows, fullPaperWindows, PaperWindowBatcher, paperEvaluationBatches } from './paper-window-batches';
import { paperWindows, type PaperWindows } from './paper-windows';
import { evaluationBatches, TokenBatcher, type TokenIds } from './token-batches';
import { batchView, checkEvaluationSize, mapIterable, type Batch, type TrainingData } from './training-data';
import type { Vocabulary } from './wikitext';

export interface TokenSplits {
  train: TokenIds;
  validation: TokenIds;
  test: TokenIds;
}

export interface TextBatchOptions {
  batchSize: number;
  /** T, the model's context length. */
  context: number;
  seed: number;
}

/** Windows of T + 1 tokens (T inputs and their next tokens) the split holds one after another. */
function wholeSequences(tokens: TokenIds, context: number): number {
  return Math.floor((tokens.length - 1) / context);
}

/**
 * The first `count` sequences of the training split laid end to end: row r holds tokens
 * [r T, r T + T) and their next tokens as targets, so only whole windows of T + 1 tokens count.
 * These are also the paper's first `count` windows.
 */
export function leadingSequences(tokens: TokenIds, count: number, context: number): Batch {
  checkEvaluationSize(count, wholeSequences(tokens, context), `training sequences of ${context} tokens`);
  const inputs = new Uint32Array(count * context);
  const targets = new Uint32Array(count * context);
  for (let i = 0; i < count * context; i++) {
    inputs[i] = tokens[i];
    targets[i] = tokens[i + 1];
  }
  return { inputs, targets, size: count };
}

export function createTextTrainingData(splits: TokenSplits, vocabulary: Vocabulary, options: TextBatchOptions): TrainingData {
  const batcher = new TokenBatcher(splits.train, options);
  const trainView = batchView();
  const evaluationView = batchView();
  const shape = { batchSize: options.batchSize, context: options.context };
  const evaluate = (tokens: TokenIds, split: string) =>
    mapIterable(evaluationBatches(tokens, { ...shape, split }), (batch) => evaluationView(batch.inputs, batch.targets, batch.size));
  return {
    task: 'language-modeling',
    classes: vocabulary.tokens.length,
    vocabulary,
    stepsPerEpoch: batcher.stepsPerEpoch,
    trainExamples: wholeSequences(splits.train, options.context),
    nextBatch: () => {
      const batch = batcher.next();
      return Promise.resolve(trainView(batch.inputs, batch.targets, batch.size));
    },
    testBatches: () => evaluate(splits.test, 'test'),
    validationBatches: () => evaluate(splits.validation, 'validation'),
    evaluationSet: async (count) => leadingSequences(splits.train, count, options.context),
  };
}

/**
 * GPT-1 BPE splits cut into the paper's windows of the model's context: training on shuffled
 * full windows, validation and test on every window once with the final one masked.
 */
export function createPaperWindowTrainingData(splits: TokenSplits, tokenizer: Gpt1BpeTokenizer, options: TextBatchOptions): TrainingData {
  const batcher = new PaperWindowBatcher(splits.train, options);
  const trainView = batchView();
  const evaluationView = batchView();
  // Cut once: evaluation reads them every epoch.
  const validation = paperWindows(splits.validation, options.context);
  const test = paperWindows(splits.test, options.context);
  const evaluate = (windows: PaperWindows, split: string) =>
    mapIterable(paperEvaluationBatches(windows, options.batchSize, split), (batch) => evaluationView(batch.inputs, batch.targets, batch.size));
  // Refused now rather than at the first evaluation.
  checkPaperEvaluationWindows(validation, 'validation');
  checkPaperEvaluationWindows(test, 'test');
  return {
    task: 'language-modeling',
    classes: tokenizer.size,
    vocabulary: tokenizer,
    stepsPerEpoch: batcher.stepsPerEpoch,
    trainExamples: fullPaperWindows(splits.train.length, options.context),
    nextBatch: () => {
      const batch = batcher.next();
      return Promise.resolve(trainView(batch.inputs, batch.targets, batch.size));
    },
    testBatches: () => evaluate(test, 'test'),
    validationBatches: () => evaluate(validation, 'validation'),
    evaluationSet: async (count) => leadingSequences(splits.train, count, options.context),
  };
}
