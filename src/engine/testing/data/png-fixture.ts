// PNG images for the browser data tests, encoded by the browser's own canvas from known
// pixels. PNG is lossless, so a reader must give these pixels back exactly.

import { IMAGE_SIDE } from '../../data/image-set';

/** Planar RGB pixels (R plane, G plane, B plane, each width x height row-major) for fixture image `seed`. */
export function fixturePlanes(seed: number, width = IMAGE_SIDE, height = IMAGE_SIDE): Uint8Array {
  const plane = width * height;
  const planes = new Uint8Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    for (let p = 0; p < plane; p++) {
      // Different in every image, channel and pixel, and covering 0 and 255.
      planes[channel * plane + p] = (seed * 71 + channel * 101 + p * 13 + ((p * p) >> 5)) & 255;
    }
  }
  return planes;
}

/** The PNG file of opaque planar RGB pixels, as OffscreenCanvas.convertToBlob writes it. */
export async function pngFromPlanes(planes: Uint8Array, width = IMAGE_SIDE, height = IMAGE_SIDE): Promise<Uint8Array> {
  const plane = width * height;
  if (planes.length !== 3 * plane) throw new Error(`pngFromPlanes: ${planes.length} bytes is not 3 planes of ${width}x${height}.`);
  const rgba = new Uint8ClampedArray(4 * plane);
  for (let p = 0; p < plane; p++) {
    rgba[4 * p] = planes[p];
    rgba[4 * p + 1] = planes[plane + p];
    rgba[4 * p + 2] = planes[2 * plane + p];
    rgba[4 * p + 3] = 255;
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('pngFromPlanes: no 2D context on OffscreenCanvas.');
  context.putImageData(new ImageData(rgba, width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Uint8Array(await blob.arrayBuffer());
}
