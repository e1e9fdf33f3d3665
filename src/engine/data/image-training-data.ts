// Batches for an image classifier from image sets held whole: shuffled, augmented training
// batches, and the test split once in order.

import { EvaluationBatcher, ImageBatcher, type BatcherOptions, type ImageBatch } from './batches';
import type { ImageSet } from './image-set';
import { batchView, mapIterable, type Batch, type TrainingData } from './training-data';

/** Adapts batches of images (reused buffers) to the trainer's Batch without copying. */
export function imageBatches(): (batch: ImageBatch) => Batch {
  const view = batchView();
  return (batch) => view(batch.images, batch.labels, batch.size);
}

/** Training batches from one image set, evaluation batches (same size, padded) from another. */
export function createImageTrainingData(train: ImageSet, test: ImageSet, options: BatcherOptions): TrainingData {
  const batcher = new ImageBatcher(train, options);
  const evaluation = new EvaluationBatcher(test, { batchSize: options.batchSize, normalize: options.normalize });
  const trainView = imageBatches();
  const testView = imageBatches();
  return {
    task: 'image-classification',
    classes: train.classNames.length,
    stepsPerEpoch: batcher.stepsPerEpoch,
    nextBatch: () => Promise.resolve(trainView(batcher.next())),
    testBatches: () => mapIterable(evaluation.batches(), testView),
  };
}
