// Where the batched Jacobi eigensolver reads and writes, shared by the launcher and the float64
// reference: matrix i (side n) is read at inOffset of the input buffer; its output region holds
// the eigenvectors V at outOffset (n x n, column j the j-th vector), the n eigenvalues at
// valuesOffset, then an n x n working copy of the matrix. With an alignment of the device's
// storage-offset alignment, V and the eigenvalues can each be bound as a view of their own.

export interface EigenEntry {
  readonly n: number;
  /** Elements from the start of the input buffer to the matrix's (0, 0). */
  readonly inOffset: number;
  /** Elements from the start of the output buffer to V's (0, 0). */
  readonly outOffset: number;
  /** Elements from the start of the output buffer to the first eigenvalue; the working copy follows the n values. */
  readonly valuesOffset: number;
}

export interface EigenLayout {
  readonly entries: readonly EigenEntry[];
  /** Elements of the output buffer, padding included. */
  readonly totalElements: number;
  /** (inOffset, n, outOffset, valuesOffset) per matrix. */
  readonly words: Uint32Array<ArrayBuffer>;
  readonly maxSide: number;
}

/** Output regions one after another, V and the values each starting at a multiple of alignmentBytes, for matrices at `inOffsets`. */
export function eigenLayout(matrices: readonly { n: number; inOffset: number }[], alignmentBytes: number): EigenLayout {
  if (matrices.length === 0) throw new Error('eigenLayout: no matrices given');
  const align = alignmentBytes / 4;
  const up = (cursor: number) => Math.ceil(cursor / align) * align;
  let cursor = 0;
  const words = new Uint32Array(matrices.length * 4);
  const entries = matrices.map(({ n, inOffset }, index) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`eigenLayout: matrix ${index} must have a positive integer side, got ${n}`);
    const outOffset = up(cursor);
    const valuesOffset = up(outOffset + n * n);
    cursor = valuesOffset + n + n * n;
    words.set([inOffset, n, outOffset, valuesOffset], index * 4);
    return { n, inOffset, outOffset, valuesOffset };
  });
  return { entries, totalElements: up(cursor), words, maxSide: Math.max(...matrices.map((m) => m.n)) };
}
