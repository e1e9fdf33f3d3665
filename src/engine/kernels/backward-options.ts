/**
 * Backward kernels overwrite their gradient outputs unless told to accumulate: a tensor read
 * by several layers (a residual block's input, a tied embedding) sums the gradients of all
 * of them, and the first writer overwrites so no step needs to clear buffers.
 */
export interface BackwardOptions {
  /** Add into the input gradient (dInp) instead of overwriting it. */
  accumulate?: boolean;
  /** Add into the parameter gradients (dWeight, dBias) instead of overwriting them. */
  accumulateParams?: boolean;
}
