// Batches for an image classifier from image sets held whole: shuffled, augmented training
// batches, and the test split once in order.

import { EvaluationBatcher, ImageBatcher, type BatcherOptions, type ImageBatch } from './batches';
import { IMAGE_BYTES, type ImageSet } from './image-set';
import { batchView, checkEvaluationSize, mapIterable, type Batch, type TrainingData } from './training-data';

/** Adapts batches of images (reused buffers) to the trainer's Batch without copying. */
export function imageBatches(): (batch: ImageBatch) => Batch {
  const view = batchView();
  return (batch) => view(batch.images, batch.labels, batch.size);
}

/**
 * The first `count` images of a training set in its order, normalised as training normalises
 * them but not augmented: one batch with buffers of its own.
 */
export function leadingImages(set: ImageSet, count: number, normalize: boolean): Batch {
  checkEvaluationSize(count, set.labels.length, 'training images');
  const head: ImageSet = { images: set.images.subarray(0, count * IMAGE_BYTES), labels: set.labels.subarray(0, count), classNames: set.classNames };
  // One batch of exactly `count`, from a batcher made for this call, so its buffers are the caller's.
  const batch = new EvaluationBatcher(head, { batchSize: count, normalize }).batches().next().value!;
  return { inputs: batch.images, targets: batch.labels, size: count };
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
    trainExamples: train.labels.length,
    nextBatch: () => Promise.resolve(trainView(batcher.next())),
    testBatches: () => mapIterable(evaluation.batches(), testView),
    evaluationSet: async (count) => leadingImages(train, count, options.normalize),
  };
}
