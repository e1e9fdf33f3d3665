// What the inverse-root launcher and its float64 twin share: ASDL's constants for ComputePower
// and its power iteration, how a matrix's computation ended, and the per-matrix state words the
// GPU keeps between its dispatches.

/** ComputePower's iter_count and error_tolerance: at most 100 Newton steps, stop once max|M - I| <= 1e-6. */
export const NEWTON_ITERATIONS = 100;
export const NEWTON_TOLERANCE = 1e-6;
/** A Newton step whose error exceeds this times the last accepted one is discarded, and the iteration stops. */
export const REJECT_FACTOR = 1.2;
/** PowerIter's num_iters and error_tolerance (absolute, on the eigenvalue estimate). */
export const POWER_ITERATIONS = 100;
export const POWER_TOLERANCE = 1e-6;

/** How a matrix's inverse root ended; the values are the GPU's status word. */
export const RootStatus = {
  /** Still iterating (only ever seen inside a step). */
  active: 0,
  /** max|M - I| <= tolerance (or became NaN, which ends ASDL's loop the same way). */
  converged: 1,
  /** The last step raised the error by more than REJECT_FACTOR and was discarded. */
  rejected: 2,
  /** The iteration limit was reached. */
  limit: 3,
  /** A 1 x 1 statistic: the root is 1, as ASDL returns the identity for it. */
  identity: 4,
} as const;
export type RootStatusCode = (typeof RootStatus)[keyof typeof RootStatus];
export type RootStop = keyof typeof RootStatus;

export function rootStop(code: number): RootStop {
  const entry = Object.entries(RootStatus).find(([, value]) => value === code);
  if (!entry) throw new Error(`matrix root: unknown status ${code}`);
  return entry[0] as RootStop;
}

/**
 * u32 words per matrix in the GPU state: status, err (f32 bits), accepted Newton steps (the root
 * is in X slot count mod 2, as each step writes the other slot), λmax (f32 bits), power
 * iterations run, Frobenius norm after the ridge (f32 bits), the matrix's first slot in the
 * step's tile list, and a spare word.
 */
export const STATE_WORDS = 8;
export const StateWord = { status: 0, error: 1, iterations: 2, lambda: 3, powerIterations: 4, norm: 5, listStart: 6 } as const;

/**
 * u32 words per matrix in the GPU's matrix description: element offset, n, p, offset of its two
 * power-iteration vectors, its first tile and its number of tiles in the tile table.
 */
export const DESCRIPTOR_WORDS = 6;

/** log2(p) for a power of two p >= 2: the squarings that make T^p on the GPU (p = 4: T^2, T^4). */
export function squaringsFor(p: number): number {
  return Math.log2(p);
}

/** The GPU forms T^p by repeated squaring only, as ASDL's MatPower does for these p; the twin also follows ASDL for other p. */
export const GPU_EXPONENTS = [2, 4, 8, 16, 32] as const;
