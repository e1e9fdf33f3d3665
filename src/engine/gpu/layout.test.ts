import { describe, expect, it } from 'vitest';
import { gridFor, MAX_WORKGROUPS_PER_DIMENSION, packUniforms } from './compute-plan';
import { flatLayout } from './flat-buffer';

describe('flatLayout', () => {
  it('aligns every entry to the storage-offset alignment and pads the total', () => {
    const layout = flatLayout(
      [
        { name: 'a', shape: [3] },
        { name: 'b', shape: [2, 70] },
        { name: 'c', shape: [] },
      ],
      256,
    );
    expect(layout.entries.map((e) => [e.name, e.offset, e.size])).toEqual([
      ['a', 0, 3],
      ['b', 64, 140],
      ['c', 256, 1],
    ]);
    expect(layout.totalElements).toBe(320);
  });

  it('is empty for no entries', () => {
    expect(flatLayout([], 256).totalElements).toBe(0);
  });
});

describe('gridFor', () => {
  it('uses one dimension while it fits', () => {
    expect(gridFor(1, 256)).toEqual([1, 1]);
    expect(gridFor(257, 256)).toEqual([2, 1]);
    expect(gridFor(256 * MAX_WORKGROUPS_PER_DIMENSION, 256)).toEqual([MAX_WORKGROUPS_PER_DIMENSION, 1]);
  });

  it('folds into two dimensions covering every invocation', () => {
    const count = 256 * MAX_WORKGROUPS_PER_DIMENSION + 7;
    const [x, y] = gridFor(count, 256);
    expect(x).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIMENSION);
    expect(x * y * 256).toBeGreaterThanOrEqual(count);
    expect(y).toBe(2);
  });
});

describe('packUniforms', () => {
  it('packs u32, i32 and f32 fields little-endian in order, padded to 16 bytes', () => {
    const bytes = packUniforms([
      ['u32', 7],
      ['i32', -2],
      ['f32', 0.5],
      ['u32', 1],
      ['u32', 9],
    ]);
    expect(bytes.byteLength).toBe(32);
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(7);
    expect(view.getInt32(4, true)).toBe(-2);
    expect(view.getFloat32(8, true)).toBe(0.5);
    expect(view.getUint32(16, true)).toBe(9);
  });
});
