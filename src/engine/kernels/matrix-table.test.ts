import { describe, expect, it } from 'vitest';
import { tensorView } from '../gpu/tensor';
import { matrixTable, matrixView, packMatrices, unpackMatrices } from './matrix-table';

describe('matrix table', () => {
  it('places each matrix at an aligned offset and lists (offset, n)', () => {
    // 256-byte alignment is 64 elements: 3x3 at 0, 10x10 at 64, 1x1 at 192.
    const table = matrixTable([3, 10, 1], 256);
    expect(table.entries).toEqual([
      { offset: 0, n: 3 },
      { offset: 64, n: 10 },
      { offset: 192, n: 1 },
    ]);
    expect(Array.from(table.words)).toEqual([0, 3, 64, 10, 192, 1]);
    expect(table.totalElements).toBe(256);
    expect(table.maxSide).toBe(10);
    const packed = matrixTable([3, 10, 1], 4);
    expect(packed.entries.map((entry) => entry.offset)).toEqual([0, 9, 109]);
    expect(packed.totalElements).toBe(110);
  });

  it('packs and unpacks float64 matrices, zeros in the gaps', () => {
    const table = matrixTable([2, 1], 16);
    const matrices = [Float64Array.of(1, 2, 3, 4), Float64Array.of(5)];
    const packed = packMatrices(table, matrices);
    expect(Array.from(packed)).toEqual([1, 2, 3, 4, 5, 0, 0, 0]);
    expect(unpackMatrices(table, packed)).toEqual(matrices);
  });

  it('rejects bad sides, alignments and value counts', () => {
    expect(() => matrixTable([2, 0], 4)).toThrow(/matrixTable: matrix 1 must have a positive integer side, got 0/);
    expect(() => matrixTable([2], 6)).toThrow(/matrixTable: alignmentBytes must be a positive multiple of 4, got 6/);
    expect(() => matrixTable([], 4)).toThrow(/no matrices/);
    const table = matrixTable([2], 4);
    expect(() => packMatrices(table, [Float64Array.of(1, 2, 3)])).toThrow(/packMatrices: matrix 0 has 3 values, expected 4 \(2x2\)/);
    expect(() => unpackMatrices(table, new Float64Array(5))).toThrow(/unpackMatrices: 5 values for a table of 4 elements/);
  });

  it('gives each matrix a view at its byte offset inside the packed tensor', () => {
    const table = matrixTable([3, 10], 256);
    const buffer = { label: 'factors' } as GPUBuffer;
    const packed = tensorView(buffer, [table.totalElements], { offset: 512, label: 'factors' });
    const view = matrixView(packed, table, 1);
    expect(view).toMatchObject({ buffer, offset: 512 + 64 * 4, shape: [10, 10], size: 100, dtype: 'f32', label: 'factors[1]' });
    expect(() => matrixView(packed, table, 2)).toThrow(/matrixView: no matrix 2 in a table of 2/);
    expect(() => matrixView(tensorView(buffer, [5]), table, 0)).toThrow(/matrixView: "factors" has 5 elements, the table 192/);
  });
});
