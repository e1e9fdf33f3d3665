// The table of matrices the non-finite check reads, shared by the launcher and the reference.

/** Values checked by one invocation, and so by one workgroup: WG · this. */
export const STATUS_PER_INVOCATION = 16;
/** Invocations per workgroup of the check's first pass. */
export const STATUS_WORKGROUP = 256;
export const STATUS_CHUNK = STATUS_WORKGROUP * STATUS_PER_INVOCATION;

/** A matrix of `count` values from element `offset` of the checked buffer. */
export interface StatusEntry {
  readonly offset: number;
  readonly count: number;
}

/** (offset, count, firstChunk, 0) per matrix, and the total of chunks (one workgroup each). */
export function packStatusTable(entries: readonly StatusEntry[]): { words: Uint32Array<ArrayBuffer>; chunks: number } {
  const words = new Uint32Array(entries.length * 4);
  let chunks = 0;
  entries.forEach((entry, index) => {
    if (!Number.isInteger(entry.count) || entry.count < 1) throw new Error(`packStatusTable: matrix ${index} has ${entry.count} values, expected at least 1`);
    words.set([entry.offset, entry.count, chunks, 0], index * 4);
    chunks += Math.ceil(entry.count / STATUS_CHUNK);
  });
  return { words, chunks };
}
