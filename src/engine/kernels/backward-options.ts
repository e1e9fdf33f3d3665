/**
 * How a backward writes its gradient outputs: overwrite them, or add into them. A tensor read
 * by several layers (a residual block's input, a tied embedding) sums the gradients of all of
 * them, so its first writer overwrites, which spares every step a clearing pass, and the later
 * ones add. Every call says which, on the GPU and in the float64 references alike: there is no
 * default to forget.
 */
export interface InputGradientOptions {
  /** Add into the input gradient(s) instead of overwriting them. */
  readonly accumulate: boolean;
}

export interface ParamGradientOptions {
  /** Add into the parameter gradients (dWeight, dBias, ...) instead of overwriting them. */
  readonly accumulateParams: boolean;
}

/** The modes of a backward with both input and parameter gradients. */
export interface BackwardOptions extends InputGradientOptions, ParamGradientOptions {}

/** A residual add's two input gradients, each with its own mode. */
export interface AddBackwardOptions {
  /** Add into dA instead of overwriting it. */
  readonly accumulateA: boolean;
  /** Add into dB instead of overwriting it. */
  readonly accumulateB: boolean;
}

/**
 * For the float64 references, which add into their outputs: zeroes the given gradients first
 * unless they accumulate, so that adding into them overwrites them.
 */
export function clearUnlessAccumulating(accumulate: boolean, ...gradients: readonly (Float64Array | null)[]): void {
  if (accumulate) return;
  for (const gradient of gradients) gradient?.fill(0);
}

/** Every gradient output overwritten: what a layer's only gradient writer does. */
export const OVERWRITE_ALL: BackwardOptions = { accumulate: false, accumulateParams: false };

/** Every gradient output added into. */
export const ACCUMULATE_ALL: BackwardOptions = { accumulate: true, accumulateParams: true };
