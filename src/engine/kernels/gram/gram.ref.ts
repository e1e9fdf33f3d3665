// float64 reference of the full Kronecker factor: out = scale * sum_p a_p a_p^T over the
// zero-padded im2col patches a_p of an NCHW tensor (gram.ts is the GPU launcher).
import { patchColumns, patchRows, type PatchGeometry } from './patch-geometry';

/** The patch of row p = (b, oy, ox) as d = C*K*K values, columns (c, ky, kx), 0 outside the image. */
function patchRow(row: Float64Array, x: ArrayLike<number>, patch: PatchGeometry, p: number): void {
  const { channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  const b = Math.floor(p / (outHeight * outWidth));
  const oy = Math.floor(p / outWidth) % outHeight;
  const ox = p % outWidth;
  for (let c = 0; c < channels; c++) {
    for (let ky = 0; ky < kernel; ky++) {
      for (let kx = 0; kx < kernel; kx++) {
        const iy = oy * stride - padding + ky;
        const ix = ox * stride - padding + kx;
        const inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
        row[(c * kernel + ky) * kernel + kx] = inside ? x[((b * channels + c) * height + iy) * width + ix] : 0;
      }
    }
  }
}

/** out (d x d, row-major) = scale * sum_p a_p a_p^T, added to out's contents with `accumulate`. */
export function gram(out: Float64Array, x: ArrayLike<number>, patch: PatchGeometry, scale: number, accumulate: boolean): void {
  const d = patchColumns(patch);
  if (out.length !== d * d) throw new Error(`gram: out has ${out.length} entries, expected ${d * d} (d = C*K*K = ${d})`);
  const inputSize = patch.batch * patch.channels * patch.height * patch.width;
  if (x.length !== inputSize) throw new Error(`gram: x has ${x.length} values, expected ${inputSize} (B*C*H*W)`);
  const sums = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let p = 0; p < patchRows(patch); p++) {
    patchRow(row, x, patch, p);
    for (let i = 0; i < d; i++) {
      if (row[i] === 0) continue;
      for (let j = 0; j < d; j++) sums[i * d + j] += row[i] * row[j];
    }
  }
  for (let e = 0; e < d * d; e++) out[e] = (accumulate ? out[e] : 0) + scale * sums[e];
}
