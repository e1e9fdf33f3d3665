// The table the damping kernel reads: one entry per layer, shared by the launcher (which packs
// it) and the float64 reference (which reads the same entries), so the two index alike.

/** Where one layer's factors and ridges live, in elements of the factor and ridge buffers. */
export interface DampingEntry {
  /**
   * Start of the matrix whose trace is tr A: A itself, or, on the Woodbury route,
   * K = s·XXᵀ (rows x rows), whose trace is that of A = s·XᵀX.
   */
  readonly aOffset: number;
  /** That matrix's side. */
  readonly aSide: number;
  /** dim A, the divisor of tr A in π. */
  readonly aDim: number;
  readonly bOffset: number;
  readonly bSide: number;
  /** Where λ_A and λ_B go in the ridge buffer. */
  readonly ridgeA: number;
  readonly ridgeB: number;
}

/** u32 words per entry: (aOffset, aSide, aDim, ridgeA), (bOffset, bSide, bSide, ridgeB). */
export const DAMPING_ENTRY_WORDS = 8;

export function packDampingTable(entries: readonly DampingEntry[]): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(entries.length * DAMPING_ENTRY_WORDS);
  entries.forEach((entry, index) => {
    words.set([entry.aOffset, entry.aSide, entry.aDim, entry.ridgeA, entry.bOffset, entry.bSide, entry.bSide, entry.ridgeB], index * DAMPING_ENTRY_WORDS);
  });
  return words;
}
