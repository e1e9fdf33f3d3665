import { EvaluationBatcher, ImageBatcher, type BatcherOptions } from '../data/batches';
import type { ImageSet } from '../data/image-set';
import type { TrainingData } from './training-data';

/** Training batches from one image set, evaluation batches (same size, padded) from another. */
export function createImageTrainingData(train: ImageSet, test: ImageSet, options: BatcherOptions): TrainingData {
  const batcher = new ImageBatcher(train, options);
  const evaluation = new EvaluationBatcher(test, { batchSize: options.batchSize, normalize: options.normalize });
  return {
    classes: train.classNames.length,
    stepsPerEpoch: batcher.stepsPerEpoch,
    nextBatch: () => Promise.resolve(batcher.next()),
    testBatches: () => evaluation.batches(),
  };
}
