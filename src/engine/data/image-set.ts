// The in-memory image set shared by the synthetic generator, the CIFAR-10 reader and the
// batcher. It keeps CIFAR-10's pixel layout so everything downstream has one code path.

import { DatasetError } from './dataset-error';

export const IMAGE_SIDE = 32;
export const IMAGE_CHANNELS = 3;
export const IMAGE_PLANE_BYTES = IMAGE_SIDE * IMAGE_SIDE;
export const IMAGE_BYTES = IMAGE_CHANNELS * IMAGE_PLANE_BYTES;

export interface ImageSet {
  /** n images of 3072 bytes: the R, G and B planes in turn, each 32x32 row-major, 0..255. */
  images: Uint8Array;
  /** n class indices into classNames. */
  labels: Uint8Array;
  classNames: string[];
}

/** Refuses a set whose arrays disagree, so a batcher never reads past an image. */
export function checkImageSet(set: ImageSet): void {
  const count = set.labels.length;
  if (set.images.length !== count * IMAGE_BYTES) {
    throw new DatasetError(
      'shape',
      `The image set has ${count} labels but ${set.images.length} pixel bytes (expected ${count * IMAGE_BYTES} = ${count} x ${IMAGE_BYTES}); ` +
        'rebuild it so every image has exactly one label.',
    );
  }
  for (let i = 0; i < count; i++) {
    if (set.labels[i] >= set.classNames.length) {
      throw new DatasetError(
        'label',
        `Image ${i} has label ${set.labels[i]}, but the set has only ${set.classNames.length} classes; rebuild the set with labels below ${set.classNames.length}.`,
      );
    }
  }
}
