// What the trainer consumes, for either task: training batches in a fixed sequence, and the
// evaluation splits once each. The loaders in load/ build it from a run configuration.

import type { Vocabulary } from './wikitext';

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
  readonly task: 'image-classification' | 'language-modeling';
  /** Classes, or the vocabulary size. */
  readonly classes: number;
  /** A language model's vocabulary: prompts are read and samples written in its words. */
  readonly vocabulary?: Vocabulary;
  readonly stepsPerEpoch: number;
  /**
   * The next training batch; every run of a session sees the same sequence. Streamed data may
   * wait for a shard here; a DatasetError means the data failed and the same call may be retried.
   */
  nextBatch(): Promise<Batch>;
  /** The test split once, in order, padded to the batch size. */
  testBatches(): Iterable<Batch>;
  /** The validation split once (language models: perplexity is reported on it every epoch). */
  validationBatches?(): Iterable<Batch>;
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
