// The table of the bias preconditioning kernel, shared by the launcher and the reference.

/** One layer's bias gradient (n values from gradOffset) and its B⁻¹ (n x n from inverseOffset). */
export interface BiasEntry {
  readonly gradOffset: number;
  readonly inverseOffset: number;
  readonly side: number;
}

/** (gradOffset, inverseOffset, side, scratchOffset) per layer, and the scratch the layers need together. */
export function packBiasTable(entries: readonly BiasEntry[]): { words: Uint32Array<ArrayBuffer>; scratch: number } {
  const words = new Uint32Array(entries.length * 4);
  let scratch = 0;
  entries.forEach((entry, index) => {
    if (!Number.isInteger(entry.side) || entry.side < 1) throw new Error(`packBiasTable: layer ${index} has side ${entry.side}, expected at least 1`);
    words.set([entry.gradOffset, entry.inverseOffset, entry.side, scratch], index * 4);
    scratch += entry.side;
  });
  return { words, scratch };
}
