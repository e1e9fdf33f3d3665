// What the trainer consumes, for either task: training batches in a fixed sequence, and the
// evaluation splits once each. The loaders in load/ build it from a run configuration.

import type { RunConfig } from '../config/run-config';
import type { Gpt1BpeTokenizer } from './gpt1-bpe';
import type { Vocabulary } from './wikitext';

/** What reads a language model's prompts and writes its samples: a word-level vocabulary, or GPT-1's BPE tokenizer. */
export type TextVocabulary = Vocabulary | Gpt1BpeTokenizer;

/** A batch as the trainer consumes it, for either task. */
export interface Batch {
  /** NCHW float32 images (B, 3, 32, 32), or (B, T) token ids. */
  inputs: Float32Array | Uint32Array;
  /** Class labels (B), or next-token targets (B, T) with IGNORE_TARGET where a token is not scored. */
  targets: Uint32Array;
  /** Real rows; evaluation's last batch may be shorter than the batch size (the rest is padding). */
  size: number;
}

export interface TrainingData {
  readonly task: RunConfig['task'];
  /** Classes, or the vocabulary size. */
  readonly classes: number;
  /** A language model's vocabulary: prompts are read and samples written with it. */
  readonly vocabulary?: TextVocabulary;
  readonly stepsPerEpoch: number;
  /** Examples (language models: whole sequences of the context) in the training split: the most an evaluation set can hold. */
  readonly trainExamples: number;
  /**
   * The next training batch; every run of a session sees the same sequence. Streamed data may
   * wait for a shard here; a DatasetError means the data failed and the same call may be retried.
   */
  nextBatch(): Promise<Batch>;
  /** The test split once, in order, padded to the batch size. */
  testBatches(): Iterable<Batch>;
  /** The validation split once (language models: perplexity is reported on it every epoch). */
  validationBatches?(): Iterable<Batch>;
  /**
   * The first `count` training examples in the split's own order, neither shuffled nor augmented
   * but normalised as training normalises them (images), or the first `count` sequences of the
   * model's context laid end to end (language models): one Batch of `count` rows, in buffers of
   * its own. The loss landscape measures its surface on it. More than the training split holds
   * is rejected with a message naming landscape.eval_size (see checkEvaluationSize).
   */
  evaluationSet(count: number): Promise<Batch>;
}

/**
 * Refuses an evaluation set of `count` examples when the training split has only `available`
 * (`what` names them: "training images", "training sequences of 64 tokens").
 */
export function checkEvaluationSize(count: number, available: number, what: string): void {
  if (!Number.isInteger(count) || count < 1 || count > available) {
    throw new Error(`landscape.eval_size must be a whole number in 1..${available} (the ${what} there are); got ${count}.`);
  }
}

/** The same Batch object every call, pointed at a batcher's reused buffers. */
export function batchView(): (inputs: Float32Array | Uint32Array, targets: Uint32Array, size: number) => Batch {
  const batch: Batch = { inputs: new Float32Array(0), targets: new Uint32Array(0), size: 0 };
  return (inputs, targets, size) => {
    batch.inputs = inputs;
    batch.targets = targets;
    batch.size = size;
    return batch;
  };
}

export function* mapIterable<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U, void, undefined> {
  for (const item of items) yield map(item);
}
