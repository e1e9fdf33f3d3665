// How minMaxAverage cuts whole factors into pieces spread over workgroups (shared by the
// launcher and its tests; the float64 reference needs no pieces).

/** A vector of a flat buffer: `length` values from `offset`. */
export interface FlatVector {
  readonly offset: number;
  readonly length: number;
}

/**
 * Values per piece, 1024 per invocation of a 256-wide workgroup: a 2048 x 2048 factor is 16
 * pieces. Smaller pieces would spread wider on a discrete GPU, but on the software adapter the
 * tests and CI run on each workgroup has a fixed cost: measured on SwiftShader for 2048², pieces
 * of 16384 took 270-460 ms, of 65536 125-170 ms, of 262144 81 ms (one 64-wide workgroup
 * per vector, AdaFisher's normalizeAndAverage: 67-71 ms).
 */
export const MINMAX_PIECE = 262144;
/** u32 words per piece in the table: offset, count, first piece of its vector, pieces of its vector. */
export const PIECE_WORDS = 4;

/** The table minMaxAverage reads, and how many pieces (and so 2 * pieces floats of `ranges`) it has. */
export function minMaxAverageTable(vectors: readonly FlatVector[], piece = MINMAX_PIECE): { table: Uint32Array; pieces: number } {
  const words: number[] = [];
  let pieces = 0;
  for (const { offset, length } of vectors) {
    const count = Math.ceil(length / piece);
    for (let p = 0; p < count; p++) words.push(offset + p * piece, Math.min(piece, length - p * piece), pieces, count);
    pieces += count;
  }
  return { table: Uint32Array.from(words), pieces };
}
