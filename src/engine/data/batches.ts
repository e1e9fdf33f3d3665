// ImageSet -> float batches (B, 3, 32, 32) with labels, into buffers the batcher owns and
// reuses, so a training loop allocates nothing per step. Augmentation and normalisation
// follow torchvision's CIFAR recipe: RandomCrop(32, padding=4), RandomHorizontalFlip(),
// ToTensor(), Normalize(mean, std).

import { createRng, shuffleInPlace, type Rng } from '../random';
import { CIFAR10_MEAN, CIFAR10_STD } from './cifar10';
import { DatasetError } from './dataset-error';
import { checkImageSet, IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_PLANE_BYTES, IMAGE_SIDE, type ImageSet } from './image-set';

export type Augmentation = 'standard' | 'none';

export interface BatcherOptions {
  batchSize: number;
  seed: number;
  /** A fresh seeded permutation every epoch; off keeps file order. */
  shuffle: boolean;
  augment: Augmentation;
  /** (x / 255 - mean) / std per channel with CIFAR-10's statistics; off gives x / 255. */
  normalize: boolean;
}

export interface ImageBatch {
  /** (batchSize, 3, 32, 32), NCHW. */
  images: Float32Array;
  /** (batchSize). */
  labels: Uint32Array;
  /** How many leading examples are real: batchSize, except for the last evaluation batch. */
  size: number;
}

export const CROP_PADDING = 4;

/**
 * pixelValues[c * 256 + v]: the float a uint8 value v of channel c becomes. Each step is
 * rounded to float32 as PyTorch's float32 tensors round it (ToTensor's x.float() / 255, then
 * Normalize's sub_(mean) and div_(std)); a float64 result rounded once to float32 equals the
 * float32 operation for + - * / on float32 inputs.
 */
function pixelValues(normalize: boolean): Float32Array {
  const values = new Float32Array(IMAGE_CHANNELS * 256);
  for (let channel = 0; channel < IMAGE_CHANNELS; channel++) {
    const mean = Math.fround(CIFAR10_MEAN[channel]);
    const std = Math.fround(CIFAR10_STD[channel]);
    for (let v = 0; v < 256; v++) {
      const scaled = Math.fround(v / 255);
      values[channel * 256 + v] = normalize ? Math.fround(Math.fround(scaled - mean) / std) : scaled;
    }
  }
  return values;
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new RangeError(`The batch size must be a whole number > 0, got ${batchSize}.`);
}

function allocateBatch(batchSize: number): ImageBatch {
  return { images: new Float32Array(batchSize * IMAGE_BYTES), labels: new Uint32Array(batchSize), size: batchSize };
}

/** Image `source` of the set, unchanged, into slot `slot` of the batch. */
function copyImage(set: ImageSet, source: number, values: Float32Array, batch: ImageBatch, slot: number): void {
  const from = source * IMAGE_BYTES;
  const to = slot * IMAGE_BYTES;
  for (let channel = 0; channel < IMAGE_CHANNELS; channel++) {
    const table = channel * 256;
    const plane = channel * IMAGE_PLANE_BYTES;
    for (let i = 0; i < IMAGE_PLANE_BYTES; i++) batch.images[to + plane + i] = values[table + set.images[from + plane + i]];
  }
  batch.labels[slot] = set.labels[source];
}

/**
 * Image `source` cropped at (top, left) from the image zero-padded by CROP_PADDING on every
 * side, then mirrored left-right when flip is set:
 * out[c, y, x] = padded[c, y + top, (flip ? 31 - x : x) + left], padded = 0 outside the image.
 */
function copyAugmentedImage(
  set: ImageSet,
  source: number,
  values: Float32Array,
  batch: ImageBatch,
  slot: number,
  top: number,
  left: number,
  flip: boolean,
): void {
  const from = source * IMAGE_BYTES;
  const to = slot * IMAGE_BYTES;
  for (let channel = 0; channel < IMAGE_CHANNELS; channel++) {
    const table = channel * 256;
    // The padding is a uint8 zero, so it becomes whatever 0 normalises to.
    const padValue = values[table];
    const plane = channel * IMAGE_PLANE_BYTES;
    for (let y = 0; y < IMAGE_SIDE; y++) {
      const sourceY = y + top - CROP_PADDING;
      const outRow = to + plane + y * IMAGE_SIDE;
      if (sourceY < 0 || sourceY >= IMAGE_SIDE) {
        batch.images.fill(padValue, outRow, outRow + IMAGE_SIDE);
        continue;
      }
      const sourceRow = from + plane + sourceY * IMAGE_SIDE;
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const sourceX = (flip ? IMAGE_SIDE - 1 - x : x) + left - CROP_PADDING;
        batch.images[outRow + x] = sourceX < 0 || sourceX >= IMAGE_SIDE ? padValue : values[table + set.images[sourceRow + sourceX]];
      }
    }
  }
  batch.labels[slot] = set.labels[source];
}

/**
 * Writes one training example into a batch slot, augmented (or not) and normalised, with its
 * own seeded stream of augmentation draws so the example order never depends on augmentation.
 */
export class ImageSlotWriter {
  readonly batch: ImageBatch;
  private readonly values: Float32Array;

  constructor(
    batchSize: number,
    private readonly options: Readonly<Pick<BatcherOptions, 'augment' | 'normalize'>>,
    private readonly augmentRng: Rng,
  ) {
    this.batch = allocateBatch(batchSize);
    this.values = pixelValues(options.normalize);
  }

  write(set: ImageSet, source: number, slot: number): void {
    if (this.options.augment === 'standard') {
      // torchvision's order of draws: crop top, crop left (each uniform in 0..2 * padding), then the flip.
      const top = this.augmentRng.int(2 * CROP_PADDING + 1);
      const left = this.augmentRng.int(2 * CROP_PADDING + 1);
      const flip = this.augmentRng.next() < 0.5;
      copyAugmentedImage(set, source, this.values, this.batch, slot, top, left, flip);
    } else {
      copyImage(set, source, this.values, this.batch, slot);
    }
  }
}

/**
 * Training batches, epoch after epoch. The last partial batch of each epoch is dropped (as
 * DataLoader's drop_last=True), so every step sees a full batch and BatchNorm statistics
 * never come from a handful of examples; with shuffling, the dropped examples differ per epoch.
 */
export class ImageBatcher {
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  private readonly order: Uint32Array;
  private readonly writer: ImageSlotWriter;
  // Separate streams, so turning augmentation on or off leaves the example order unchanged.
  private readonly orderRng: Rng;
  private currentEpoch = 0;
  private currentStep = 0;

  constructor(
    readonly set: ImageSet,
    readonly options: Readonly<BatcherOptions>,
  ) {
    checkBatchSize(options.batchSize);
    checkImageSet(set);
    const count = set.labels.length;
    if (count < options.batchSize) {
      throw new DatasetError(
        'too-small',
        `The training set has ${count} images, fewer than one batch of ${options.batchSize}; lower the batch size to at most ${count} or use more images.`,
      );
    }
    this.batchSize = options.batchSize;
    this.stepsPerEpoch = Math.floor(count / options.batchSize);
    this.order = new Uint32Array(count);
    const seeds = createRng(options.seed);
    this.orderRng = createRng(seeds.int(4294967296));
    this.writer = new ImageSlotWriter(options.batchSize, options, createRng(seeds.int(4294967296)));
    this.startEpoch();
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
  next(): ImageBatch {
    const { batchSize, order, set, writer } = this;
    const start = this.currentStep * batchSize;
    for (let slot = 0; slot < batchSize; slot++) writer.write(set, order[start + slot], slot);
    this.currentStep++;
    if (this.currentStep === this.stepsPerEpoch) {
      this.currentEpoch++;
      this.currentStep = 0;
      this.startEpoch();
    }
    return writer.batch;
  }

  private startEpoch(): void {
    const { order } = this;
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (!this.options.shuffle) return;
    // A fresh permutation each epoch, as torch's RandomSampler draws.
    shuffleInPlace(order, this.orderRng);
  }
}

export interface EvaluationOptions {
  batchSize: number;
  normalize: boolean;
}

/** Every example once, in file order, without augmentation; the last batch may be smaller. */
export class EvaluationBatcher {
  readonly batchSize: number;
  readonly batchCount: number;
  private readonly values: Float32Array;
  private readonly batch: ImageBatch;

  constructor(
    readonly set: ImageSet,
    options: Readonly<EvaluationOptions>,
  ) {
    checkBatchSize(options.batchSize);
    checkImageSet(set);
    this.batchSize = options.batchSize;
    this.batchCount = Math.ceil(set.labels.length / options.batchSize);
    this.values = pixelValues(options.normalize);
    this.batch = allocateBatch(options.batchSize);
  }

  /**
   * One pass over the set. Every batch is the same object and buffers; in the last one only
   * the first `size` examples are real and the rest of the buffers is zero.
   */
  *batches(): Generator<ImageBatch, void, undefined> {
    const { batch, batchSize, set, values } = this;
    const count = set.labels.length;
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      for (let slot = 0; slot < size; slot++) copyImage(set, start + slot, values, batch, slot);
      if (size < batchSize) {
        batch.images.fill(0, size * IMAGE_BYTES);
        batch.labels.fill(0, size);
      }
      batch.size = size;
      yield batch;
    }
  }
}
