// Per-channel mean and standard deviation of images in CIFAR-10's planar layout, pixels scaled
// to [0, 1], as torchvision's Normalize expects them. Counting each byte value first keeps the
// sums exact over 150 million pixels and the loop cheap.

import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_PLANE_BYTES } from './image-set';

export type Rgb = [number, number, number];

/** Population statistics (divide by n, as numpy's std does), over every pixel of every image. */
export function channelMeanStd(images: Uint8Array): { mean: Rgb; std: Rgb } {
  const histograms = Array.from({ length: IMAGE_CHANNELS }, () => new Float64Array(256));
  for (let image = 0; image < images.length; image += IMAGE_BYTES) {
    for (let channel = 0; channel < IMAGE_CHANNELS; channel++) {
      const histogram = histograms[channel];
      const start = image + channel * IMAGE_PLANE_BYTES;
      for (let i = start; i < start + IMAGE_PLANE_BYTES; i++) histogram[images[i]]++;
    }
  }
  const stats = histograms.map((histogram) => {
    let count = 0;
    let sum = 0;
    for (let value = 0; value < 256; value++) {
      count += histogram[value];
      sum += histogram[value] * value;
    }
    const mean = sum / count / 255;
    let squares = 0;
    for (let value = 0; value < 256; value++) squares += histogram[value] * (value / 255 - mean) ** 2;
    return { mean, std: Math.sqrt(squares / count) };
  });
  return { mean: [stats[0].mean, stats[1].mean, stats[2].mean], std: [stats[0].std, stats[1].std, stats[2].std] };
}
