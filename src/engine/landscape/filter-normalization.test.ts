import { describe, expect, it } from 'vitest';
import { filterNormalized } from './filter-normalization';

const norm = (values: ArrayLike<number>) => Math.sqrt(Array.from(values).reduce((sum, value) => sum + value * value, 0));

describe('filterNormalized', () => {
  it("rescales each filter (a slice along dim 0) to the norm of the centre's filter, and zeroes 1-D tensors", () => {
    const tensors = [
      { name: 'conv.weight', shape: [2, 1, 2, 2] },
      { name: 'conv.bias', shape: [2] },
      { name: 'fc.weight', shape: [3, 2] },
    ];
    const direction = new Map<string, number[]>([
      ['conv.weight', [1, 1, 1, 1, 0, 3, 0, 4]],
      ['conv.bias', [5, -5]],
      ['fc.weight', [3, 4, 0, 2, 1, 0]],
    ]);
    const center = new Map<string, number[]>([
      ['conv.weight', [0, 0, 0, 6, 1, 0, 0, 0]],
      ['conv.bias', [1, 1]],
      ['fc.weight', [1, 0, 0, 0, 0, 2]],
    ]);
    const out = filterNormalized(tensors, direction, center);
    // Filter 0 of conv: |d| = 2, |θ| = 6, so d is scaled by 3; filter 1: |d| = 5, |θ| = 1.
    expect(Array.from(out.get('conv.weight')!)).toEqual([3, 3, 3, 3, 0, 0.6, 0, 0.8].map((v) => expect.closeTo(v, 9)));
    expect(Array.from(out.get('conv.bias')!)).toEqual([0, 0]);
    // fc rows: [3, 4] to norm 1, [0, 2] to norm 0, [1, 0] to norm 2.
    expect(Array.from(out.get('fc.weight')!)).toEqual([0.6, 0.8, 0, 0, 2, 0].map((v) => expect.closeTo(v, 9)));
    expect(norm(out.get('fc.weight')!.subarray(0, 2))).toBeCloseTo(1, 9);
  });

  it('keeps an all-zero direction filter at zero', () => {
    const out = filterNormalized([{ name: 'w', shape: [1, 3] }], new Map([['w', [0, 0, 0]]]), new Map([['w', [1, 2, 2]]]));
    expect(Array.from(out.get('w')!)).toEqual([0, 0, 0]);
  });

  it('names the tensor whose values are missing or of the wrong size', () => {
    const tensors = [{ name: 'fc.weight', shape: [2, 2] }];
    expect(() => filterNormalized(tensors, new Map(), new Map([['fc.weight', [1, 2, 3, 4]]]))).toThrow(/no direction values for "fc.weight"/);
    expect(() => filterNormalized(tensors, new Map([['fc.weight', [1, 2, 3]]]), new Map([['fc.weight', [1, 2, 3, 4]]]))).toThrow(
      /"fc.weight" has 3 and 4 values, expected 4/,
    );
  });
});
