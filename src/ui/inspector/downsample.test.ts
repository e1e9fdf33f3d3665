import { describe, expect, it } from 'vitest';
import { blockMax, blockNote, blockSize, imageRows, MAX_DRAWN_SIDE } from './downsample';

describe('blockMax', () => {
  it('keeps a matrix that fits as it is', () => {
    const values = Float32Array.from([1, 2, 3, 4]);
    const image = blockMax(values, 2);
    expect(image).toMatchObject({ n: 2, side: 2, block: 1 });
    expect([...image.values]).toEqual([1, 2, 3, 4]);
  });

  it('takes the maximum of each block, the last blocks smaller when n is not a multiple', () => {
    // 5 x 5 into at most 2 cells a side: blocks of 3 (rows 0-2, then 3-4).
    const values = Float32Array.from({ length: 25 }, (_, k) => k);
    const image = blockMax(values, 5, 2);
    expect(image).toMatchObject({ n: 5, side: 2, block: 3 });
    // Block (0,0) holds rows 0-2, columns 0-2: its maximum is entry (2,2) = 12.
    expect([...image.values]).toEqual([12, 14, 22, 24]);
  });

  it('skips NaN, keeps −∞ where nothing is larger, and brings 2048 down to 256 in blocks of 8', () => {
    const image = blockMax(Float32Array.from([Number.NaN, -Infinity, Number.NaN, Number.NaN]), 2, 1);
    expect([...image.values]).toEqual([-Infinity]);
    expect(blockSize(2048)).toBe(8);
    const big = blockMax(new Float32Array(2048 * 2048).fill(0.5), 2048);
    expect(big).toMatchObject({ side: MAX_DRAWN_SIDE, block: 8 });
    expect(blockNote(big)).toBe('2048 x 2048, drawn as the maximum of each 8 x 8 block');
    expect(blockNote(blockMax(new Float32Array(4), 2))).toBe('2 x 2');
  });

  it('refuses a value count that is not n²', () => {
    expect(() => blockMax(new Float32Array(5), 2)).toThrow('a 2 x 2 matrix has 4 entries, got 5');
  });

  it('gives Plotly rows with gaps for values that are not finite', () => {
    expect(imageRows({ n: 2, side: 2, block: 1, values: Float32Array.from([1, -Infinity, Number.NaN, 4]) })).toEqual([
      [1, null],
      [null, 4],
    ]);
  });
});
