// The im2col view of an NCHW tensor that the full-factor kernel (gram) reduces and AdaFisher's
// diagonal factors read: a shared description, so the GPU launchers and the float64 references
// agree on rows, columns and zero padding without importing one another.

import { conv2dOutputSize } from '../conv2d/conv2d-shape';

/**
 * A layer input seen as im2col patches: rows (b, oy, ox), columns (c, ky, kx), zero outside
 * the image. A Linear layer on (N, in) rows is the 1x1 convolution of N one-pixel images with
 * `in` channels; any (pre, d, post) tensor is (batch pre, channels d, height post, width 1).
 */
export interface PatchGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** Columns of the im2col matrix, (channels, ky, kx), without any bias column. */
export function patchColumns(patch: PatchGeometry): number {
  return patch.channels * patch.kernel * patch.kernel;
}

/** Rows of the im2col matrix, N = B * Hout * Wout. */
export function patchRows(patch: PatchGeometry): number {
  return patch.batch * patch.outHeight * patch.outWidth;
}

/**
 * A (pre, d, post) tensor as rows (p, q) of its d middle entries: a Linear input (rows, in) is
 * (rows, in, 1), an output gradient (B, C, S) is itself, and Shampoo's mode-i unfolding of a
 * tensor is (product of the dims before i, d_i, product of the dims after i).
 */
export function middleAxisPatches(pre: number, d: number, post: number): PatchGeometry {
  return { batch: pre, channels: d, height: post, width: 1, kernel: 1, stride: 1, padding: 0, outHeight: post, outWidth: 1 };
}

/** A convolution's (B, C, H, W) input as the im2col patches of its kernel, stride and zero padding. */
export function convolutionPatches(
  [batch, channels, height, width]: readonly number[],
  conv: { readonly kernel: number; readonly stride: number; readonly padding: number },
): PatchGeometry {
  const outSize = (size: number) => conv2dOutputSize(size, conv.kernel, conv.stride, conv.padding);
  return {
    batch,
    channels,
    height,
    width,
    kernel: conv.kernel,
    stride: conv.stride,
    padding: conv.padding,
    outHeight: outSize(height),
    outWidth: outSize(width),
  };
}
