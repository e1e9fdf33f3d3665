// Square matrices of different sizes packed in one f32 buffer, with a u32 table of (offset, n)
// per matrix that batched kernels read to find their matrix: K-FAC's factors and inverses,
// Shampoo's statistics and inverse roots. The float64 twins pack and unpack the same layout.
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../gpu/tensor';

/** u32 words per matrix in the GPU table: the first element's offset, then the side n. */
export const MATRIX_TABLE_WORDS = 2;

export interface MatrixTableEntry {
  /** Elements from the start of the packed buffer to this matrix's (0, 0). */
  readonly offset: number;
  /** The matrix is n x n, row-major. */
  readonly n: number;
}

export interface MatrixTable {
  readonly entries: readonly MatrixTableEntry[];
  /** Elements of the packed buffer, padding included. */
  readonly totalElements: number;
  /** Byte alignment of every matrix's start. */
  readonly alignmentBytes: number;
  /** (offset, n) per matrix, what the kernels bind. */
  readonly words: Uint32Array<ArrayBuffer>;
  /** The largest n. */
  readonly maxSide: number;
}

/**
 * Matrices of sides `sides`, one after another, each starting at a multiple of
 * `alignmentBytes` (the device's storageAlignment when each matrix will also be bound as a view
 * of its own, 4 to pack them tightly).
 */
export function matrixTable(sides: readonly number[], alignmentBytes: number): MatrixTable {
  if (sides.length === 0) throw new Error('matrixTable: no matrices given');
  if (!Number.isInteger(alignmentBytes) || alignmentBytes < BYTES_PER_ELEMENT || alignmentBytes % BYTES_PER_ELEMENT !== 0) {
    throw new Error(`matrixTable: alignmentBytes must be a positive multiple of ${BYTES_PER_ELEMENT}, got ${alignmentBytes}`);
  }
  const align = alignmentBytes / BYTES_PER_ELEMENT;
  const words = new Uint32Array(sides.length * MATRIX_TABLE_WORDS);
  let cursor = 0;
  const entries = sides.map((n, index) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`matrixTable: matrix ${index} must have a positive integer side, got ${n}`);
    const offset = Math.ceil(cursor / align) * align;
    cursor = offset + n * n;
    words[index * MATRIX_TABLE_WORDS] = offset;
    words[index * MATRIX_TABLE_WORDS + 1] = n;
    return { offset, n };
  });
  const totalElements = Math.ceil(cursor / align) * align;
  if (totalElements > 0xffffffff) throw new Error(`matrixTable: ${totalElements} elements do not fit u32 offsets`);
  return { entries, totalElements, alignmentBytes, words, maxSide: Math.max(...sides) };
}

/** The matrices as one packed float64 array (zeros in the gaps), in the table's order. */
export function packMatrices(table: MatrixTable, matrices: readonly ArrayLike<number>[]): Float64Array {
  if (matrices.length !== table.entries.length) throw new Error(`packMatrices: ${matrices.length} matrices for a table of ${table.entries.length}`);
  const packed = new Float64Array(table.totalElements);
  table.entries.forEach(({ offset, n }, index) => {
    const matrix = matrices[index];
    if (matrix.length !== n * n) throw new Error(`packMatrices: matrix ${index} has ${matrix.length} values, expected ${n * n} (${n}x${n})`);
    for (let e = 0; e < n * n; e++) packed[offset + e] = matrix[e];
  });
  return packed;
}

/** Each matrix of a packed buffer (a read-back or a float64 twin's) as its own float64 array. */
export function unpackMatrices(table: MatrixTable, packed: ArrayLike<number>): Float64Array[] {
  if (packed.length !== table.totalElements) throw new Error(`unpackMatrices: ${packed.length} values for a table of ${table.totalElements} elements`);
  return table.entries.map(({ offset, n }) => {
    const matrix = new Float64Array(n * n);
    for (let e = 0; e < n * n; e++) matrix[e] = packed[offset + e];
    return matrix;
  });
}

/**
 * Matrix `index` of a packed GPU tensor as a view of its own, (n, n). Binding it needs a table
 * aligned to the device's storageAlignment.
 */
export function matrixView(packed: GpuTensor, table: MatrixTable, index: number, label = `${packed.label}[${index}]`): GpuTensor {
  const entry = table.entries[index];
  if (!entry) throw new Error(`matrixView: no matrix ${index} in a table of ${table.entries.length}`);
  if (packed.size !== table.totalElements) throw new Error(`matrixView: "${packed.label}" has ${packed.size} elements, the table ${table.totalElements}`);
  return tensorView(packed.buffer, [entry.n, entry.n], { offset: packed.offset + entry.offset * BYTES_PER_ELEMENT, dtype: packed.dtype, label });
}
