import { describe, expect, it } from 'vitest';
import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { paperWindows, paperWindowSpans } from './paper-windows';

const I = IGNORE_TARGET;
/** A stream whose ids (100, 101, ...) differ from the padding id 0. */
const stream = (n: number) => Uint32Array.from({ length: n }, (_, i) => 100 + i);
const rows = (values: Uint32Array, context: number) =>
  Array.from({ length: values.length / context }, (_, r) => [...values.subarray(r * context, (r + 1) * context)]);

describe('paperWindowSpans', () => {
  it('cuts windows of context + 1 ids every context ids, then the rest from one id later', () => {
    expect(paperWindowSpans(12, 4)).toEqual([
      [0, 5],
      [4, 5],
      [9, 3],
    ]);
    expect(paperWindowSpans(13, 4)).toEqual([
      [0, 5],
      [4, 5],
      [8, 5],
    ]);
    expect(paperWindowSpans(5, 4)).toEqual([[0, 5]]);
    // 1000 ids at the paper's 256: three full windows, then ids 769..999.
    expect(paperWindowSpans(1000)).toEqual([
      [0, 257],
      [256, 257],
      [512, 257],
      [769, 231],
    ]);
  });

  it('keeps a lone last id as an all-masked window after full ones, and drops a stream of one id', () => {
    expect(paperWindowSpans(10, 4)).toEqual([
      [0, 5],
      [4, 5],
      [9, 1],
    ]);
    expect(paperWindowSpans(1, 4)).toEqual([]);
    expect(paperWindowSpans(0, 4)).toEqual([]);
    expect(paperWindowSpans(3, 4)).toEqual([[0, 3]]);
  });

  it('refuses a context or count that is not a whole number', () => {
    expect(() => paperWindowSpans(10, 0)).toThrow('The context length must be a whole number > 0, got 0.');
    expect(() => paperWindowSpans(-1, 4)).toThrow('The token count must be a whole number >= 0, got -1.');
  });
});

describe('paperWindows', () => {
  it('gives source = the first context ids and target = the last context ids of each full window', () => {
    const windows = paperWindows(stream(13), 4);
    expect(windows.windows).toBe(3);
    expect(rows(windows.inputs, 4)).toEqual([
      [100, 101, 102, 103],
      [104, 105, 106, 107],
      [108, 109, 110, 111],
    ]);
    expect(rows(windows.targets, 4)).toEqual([
      [101, 102, 103, 104],
      [105, 106, 107, 108],
      [109, 110, 111, 112],
    ]);
    expect(windows.tokens).toBe(12);
  });

  it('pads only the final window, sources with id 0 and targets masked; the id after the last full window is not a target', () => {
    const windows = paperWindows(stream(12), 4);
    expect(rows(windows.inputs, 4)).toEqual([
      [100, 101, 102, 103],
      [104, 105, 106, 107],
      [109, 110, 0, 0],
    ]);
    expect(rows(windows.targets, 4)).toEqual([
      [101, 102, 103, 104],
      [105, 106, 107, 108],
      [110, 111, I, I],
    ]);
    expect(windows.tokens).toBe(10);
  });

  it('pads a stream shorter than one window, and masks all of a one-id final window', () => {
    const short = paperWindows(stream(3), 4);
    expect([...short.inputs]).toEqual([100, 101, 0, 0]);
    expect([...short.targets]).toEqual([101, 102, I, I]);
    expect(short.tokens).toBe(2);
    const lone = paperWindows(stream(10), 4);
    expect(rows(lone.inputs, 4)[2]).toEqual([0, 0, 0, 0]);
    expect(rows(lone.targets, 4)[2]).toEqual([I, I, I, I]);
    expect(lone.tokens).toBe(8);
  });

  it('counts as tokens exactly the targets that are not masked, at the paper size', () => {
    const windows = paperWindows(stream(1000));
    expect(windows.context).toBe(256);
    expect(windows.windows).toBe(4);
    expect(windows.tokens).toBe(768 + 230);
    expect(windows.targets.filter((t) => t !== I).length).toBe(windows.tokens);
    expect(windows.inputs[3 * 256]).toBe(100 + 769);
  });
});
