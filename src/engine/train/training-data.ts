/** Batches as the trainer consumes them: NCHW float32 images and u32 labels. */
export interface Batch {
  images: Float32Array;
  labels: Uint32Array;
  /** Real rows; evaluation's last batch may be shorter than the batch size (the rest is padding). */
  size: number;
}

export interface TrainingData {
  readonly classes: number;
  readonly stepsPerEpoch: number;
  /**
   * The next training batch; every run of a session sees the same sequence. Streamed data may
   * wait for a shard here; a DatasetError means the data failed and the same call may be retried.
   */
  nextBatch(): Promise<Batch>;
  /** The test split once, in order, padded to `batchSize`. */
  testBatches(): Iterable<Batch>;
}
