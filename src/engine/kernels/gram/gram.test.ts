import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { assertAllClose } from '../../testing/compare';
import { gram } from './gram.ref';
import { middleAxisPatches, patchColumns, patchRows, type PatchGeometry } from './patch-geometry';

function convPatches(batch: number, channels: number, size: number, kernel: number, stride: number, padding: number): PatchGeometry {
  const outSize = Math.floor((size + 2 * padding - kernel) / stride) + 1;
  return { batch, channels, height: size, width: size, kernel, stride, padding, outHeight: outSize, outWidth: outSize };
}

/** The im2col matrix built the long way: pad the image, then copy each window out of it. */
function explicitIm2col(x: Float64Array, patch: PatchGeometry): Float64Array[] {
  const { batch, channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  const paddedH = height + 2 * padding;
  const paddedW = width + 2 * padding;
  const padded = new Float64Array(batch * channels * paddedH * paddedW);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < height; y++)
        for (let xx = 0; xx < width; xx++)
          padded[((b * channels + c) * paddedH + y + padding) * paddedW + xx + padding] = x[((b * channels + c) * height + y) * width + xx];
  const rows: Float64Array[] = [];
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const row: number[] = [];
        for (let c = 0; c < channels; c++)
          for (let ky = 0; ky < kernel; ky++)
            for (let kx = 0; kx < kernel; kx++) row.push(padded[((b * channels + c) * paddedH + oy * stride + ky) * paddedW + ox * stride + kx]);
        rows.push(Float64Array.from(row));
      }
    }
  }
  return rows;
}

/** scale * P^T P from explicit rows. */
function gramOfRows(rows: Float64Array[], d: number, scale: number): Float64Array {
  const out = new Float64Array(d * d);
  for (const row of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += scale * row[i] * row[j];
  return out;
}

describe('gram reference', () => {
  it('sums the outer products of a Linear input rows, by hand', () => {
    // Rows (1, 2) and (3, -1): [[1+9, 2-3], [2-3, 4+1]] / 2.
    const out = new Float64Array(4);
    gram(out, Float64Array.of(1, 2, 3, -1), middleAxisPatches(2, 2, 1), 0.5, false);
    expect(Array.from(out)).toEqual([5, -0.5, -0.5, 2.5]);
  });

  it('sees the zero padding of a 3x3 window on a 2x2 image, by hand', () => {
    // One channel, x = [[1, 2], [3, 4]], K = 3, pad 1, stride 2: one window centred on (0, 0),
    // patch (0, 0, 0, 0, 1, 2, 0, 3, 4); out = a a^T.
    const patch = convPatches(1, 1, 2, 3, 2, 1);
    expect(patchRows(patch)).toBe(1);
    const out = new Float64Array(81);
    gram(out, Float64Array.of(1, 2, 3, 4), patch, 1, false);
    const a = [0, 0, 0, 0, 1, 2, 0, 3, 4];
    expect(Array.from(out)).toEqual(a.flatMap((ai) => a.map((aj) => ai * aj)));
  });

  for (const [batch, channels, size, kernel, stride, padding] of [
    [1, 1, 1, 1, 1, 0],
    [2, 3, 5, 3, 1, 1],
    [3, 2, 6, 3, 2, 0],
    [1, 2, 4, 2, 1, 2],
    [2, 1, 7, 5, 3, 2],
  ]) {
    it(`matches scale * P^T P of an explicit im2col, B=${batch} C=${channels} H=${size} K=${kernel} stride ${stride} pad ${padding}`, () => {
      const patch = convPatches(batch, channels, size, kernel, stride, padding);
      const rng = createRng(batch * 1000 + channels * 100 + size * 10 + kernel);
      const x = randomArray(rng, batch * channels * size * size);
      const d = patchColumns(patch);
      const out = new Float64Array(d * d);
      gram(out, x, patch, 0.25, false);
      assertAllClose(out, gramOfRows(explicitIm2col(x, patch), d, 0.25), { atol: 1e-12, rtol: 1e-12 }, 'gram');
    });
  }

  it('adds into out with accumulate', () => {
    const rng = createRng(3);
    const patch = convPatches(2, 2, 3, 2, 1, 0);
    const x = randomArray(rng, 2 * 2 * 9);
    const d = patchColumns(patch);
    const previous = randomArray(rng, d * d);
    const out = previous.slice();
    gram(out, x, patch, 2, true);
    const fresh = gramOfRows(explicitIm2col(x, patch), d, 2);
    assertAllClose(
      out,
      fresh.map((value, e) => value + previous[e]),
      { atol: 1e-12, rtol: 1e-12 },
      'accumulated gram',
    );
  });

  it("is Shampoo's mode-i statistic G_(i) G_(i)^T of a 4-D tensor through middleAxisPatches", () => {
    const dims = [3, 2, 4, 5];
    const rng = createRng(11);
    const g = randomArray(
      rng,
      dims.reduce((a, b) => a * b, 1),
    );
    const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
    for (let mode = 0; mode < dims.length; mode++) {
      // The mode-i unfolding: row r = index along axis i, columns = every other index.
      const d = dims[mode];
      const expected = new Float64Array(d * d);
      for (let e = 0; e < g.length; e++) {
        const indexI = Math.floor(e / strides[mode]) % d;
        const others = e - indexI * strides[mode];
        for (let j = 0; j < d; j++) expected[indexI * d + j] += g[e] * g[others + j * strides[mode]];
      }
      const pre = dims.slice(0, mode).reduce((a, b) => a * b, 1);
      const out = new Float64Array(d * d);
      gram(out, g, middleAxisPatches(pre, d, strides[mode]), 1, false);
      assertAllClose(out, expected, { atol: 1e-12, rtol: 1e-12 }, `mode ${mode}`);
    }
  });

  it('rejects arrays of the wrong size', () => {
    expect(() => gram(new Float64Array(3), new Float64Array(4), middleAxisPatches(2, 2, 1), 1, false)).toThrow(/gram: out has 3 entries, expected 4/);
    expect(() => gram(new Float64Array(4), new Float64Array(5), middleAxisPatches(2, 2, 1), 1, false)).toThrow(/gram: x has 5 values, expected 4/);
  });
});
