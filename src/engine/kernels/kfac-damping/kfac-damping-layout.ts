// The table the damping kernel reads: one entry per layer, shared by the launcher (which packs
// it) and the float64 reference (which reads the same entries), so the two index alike.

/** Where one layer's factors and ridges live, in elements of the factor and ridge buffers. */
export interface DampingEntry {
  /** Start of the matrix whose trace, times `traceScaleA`, is tr A (A itself, or K = XXᵀ for the Woodbury route). */
  readonly aOffset: number;
  /** That matrix's side. */
  readonly aSide: number;
  /** dim A, the divisor of tr A in π. */
  readonly aDim: number;
  readonly traceScaleA: number;
  readonly bOffset: number;
  readonly bSide: number;
  readonly bDim: number;
  /** Where λ_A and λ_B go in the ridge buffer. */
  readonly ridgeA: number;
  readonly ridgeB: number;
  /** Where λ_A · kernelRidgeScale goes (the ridge of the Woodbury route's K), or null. */
  readonly kernelRidge: number | null;
  readonly kernelRidgeScale: number;
}

/** u32 words per entry (three vec4u). */
export const DAMPING_ENTRY_WORDS = 12;
/** kernelRidge's value for "none". */
export const NO_KERNEL_RIDGE = 0xffffffff;

/** The table as u32 words; the two scales go in as float32 bit patterns. */
export function packDampingTable(entries: readonly DampingEntry[]): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(entries.length * DAMPING_ENTRY_WORDS);
  const floatBits = new DataView(new ArrayBuffer(4));
  const bits = (value: number) => {
    floatBits.setFloat32(0, value, true);
    return floatBits.getUint32(0, true);
  };
  entries.forEach((entry, index) => {
    words.set(
      [
        entry.aOffset,
        entry.aSide,
        entry.aDim,
        bits(entry.traceScaleA),
        entry.bOffset,
        entry.bSide,
        entry.bDim,
        0,
        entry.ridgeA,
        entry.ridgeB,
        entry.kernelRidge ?? NO_KERNEL_RIDGE,
        bits(entry.kernelRidgeScale),
      ],
      index * DAMPING_ENTRY_WORDS,
    );
  });
  return words;
}
