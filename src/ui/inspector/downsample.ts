// What the page draws of a large matrix: the maximum of each b x b block, so a 2048 x 2048
// factor becomes a 256 x 256 picture (Plotly's SVG heatmap stays quick, and the diagonal, the
// largest entries, stays visible where a block mean would dilute it by b). Exports keep the
// full matrix; the figure says when it shows blocks.

/** The most cells per side a heatmap draws. */
export const MAX_DRAWN_SIDE = 256;

/** A square picture of an n x n matrix: side x side cells, each the maximum of a block x block block (the last row and column of blocks may be smaller). */
export interface BlockImage {
  readonly n: number;
  readonly side: number;
  readonly block: number;
  /** side*side cells, row-major. */
  readonly values: Float32Array;
}

/** The block size that brings n to at most maxSide cells per side (1: the matrix as it is). */
export function blockSize(n: number, maxSide: number = MAX_DRAWN_SIDE): number {
  return Math.max(1, Math.ceil(n / maxSide));
}

/** The matrix in blocks of its maximum; NaN entries are skipped (a block of only NaN is NaN). */
export function blockMax(values: ArrayLike<number>, n: number, maxSide: number = MAX_DRAWN_SIDE): BlockImage {
  if (values.length !== n * n) throw new Error(`blockMax: a ${n} x ${n} matrix has ${n * n} entries, got ${values.length}`);
  const block = blockSize(n, maxSide);
  const side = Math.ceil(n / block);
  const out = new Float32Array(side * side).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / block) * side;
    for (let j = 0; j < n; j++) {
      const value = values[i * n + j];
      const cell = row + Math.floor(j / block);
      if (!(value <= out[cell])) out[cell] = Number.isNaN(value) ? out[cell] : value;
    }
  }
  return { n, side, block, values: out };
}

/** The picture as Plotly's z rows; non-finite cells (a zero's −∞ log, NaN) become gaps. */
export function imageRows(image: BlockImage): (number | null)[][] {
  const rows: (number | null)[][] = [];
  for (let i = 0; i < image.side; i++) {
    const row: (number | null)[] = new Array(image.side);
    for (let j = 0; j < image.side; j++) {
      const value = image.values[i * image.side + j];
      row[j] = Number.isFinite(value) ? value : null;
    }
    rows.push(row);
  }
  return rows;
}

/** The figure's note when it shows blocks, e.g. "2048 x 2048, drawn as the maximum of each 8 x 8 block". */
export function blockNote(image: BlockImage): string {
  return image.block === 1 ? `${image.n} x ${image.n}` : `${image.n} x ${image.n}, drawn as the maximum of each ${image.block} x ${image.block} block`;
}
