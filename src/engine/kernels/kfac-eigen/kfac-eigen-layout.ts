// Where the batched Jacobi eigensolver reads and writes, shared by the launcher and the float64
// reference: matrix i (side n) is read at inOffset of the input buffer; its output region at
// outOffset holds the eigenvectors V (n x n, column j the j-th vector), then the n eigenvalues,
// then an n x n working copy of the matrix.

export interface EigenEntry {
  readonly n: number;
  /** Elements from the start of the input buffer to the matrix's (0, 0). */
  readonly inOffset: number;
  /** Elements from the start of the output buffer to V's (0, 0); the eigenvalues follow at outOffset + n². */
  readonly outOffset: number;
}

export interface EigenLayout {
  readonly entries: readonly EigenEntry[];
  /** Elements of the output buffer, padding included. */
  readonly totalElements: number;
  /** (inOffset, n, outOffset, 0) per matrix. */
  readonly words: Uint32Array<ArrayBuffer>;
  readonly maxSide: number;
}

/** Elements of one output region: V, the eigenvalues, the working copy. */
export function eigenRegion(n: number): number {
  return 2 * n * n + n;
}

/** Output regions one after another, each starting at a multiple of alignmentBytes, for matrices at `inOffsets`. */
export function eigenLayout(matrices: readonly { n: number; inOffset: number }[], alignmentBytes: number): EigenLayout {
  if (matrices.length === 0) throw new Error('eigenLayout: no matrices given');
  const align = alignmentBytes / 4;
  let cursor = 0;
  const words = new Uint32Array(matrices.length * 4);
  const entries = matrices.map(({ n, inOffset }, index) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`eigenLayout: matrix ${index} must have a positive integer side, got ${n}`);
    const outOffset = Math.ceil(cursor / align) * align;
    cursor = outOffset + eigenRegion(n);
    words.set([inOffset, n, outOffset, 0], index * 4);
    return { n, inOffset, outOffset };
  });
  return { entries, totalElements: Math.ceil(cursor / align) * align, words, maxSide: Math.max(...matrices.map((m) => m.n)) };
}
