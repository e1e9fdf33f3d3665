// Workgroup sizes that many launchers share, each passed to its shader as the WG override.
// Sizes that one op tunes for itself stay in its launcher.

/**
 * Invocations per workgroup of the kernels with one invocation per element: activations,
 * residual adds, pooling, embedding lookups, normalisation, optimizer updates.
 */
export const ELEMENTWISE_WORKGROUP = 256;

/**
 * Invocations of a workgroup that tree-reduces a long run of values (a channel, a column, a
 * batch's rows); a power of two, as the reduction halves it.
 */
export const REDUCTION_WORKGROUP = 256;

/**
 * Invocations of a one-workgroup reduction over `length` values: the power of two from 32 up to
 * REDUCTION_WORKGROUP nearest at or above `length`, so a short row (K = 10 classes) does not
 * leave most of them idle.
 */
export function reductionWorkgroupFor(length: number): number {
  let size = 32;
  while (size < REDUCTION_WORKGROUP && size < length) size *= 2;
  return size;
}

/**
 * Invocations per row in the kernels that reduce each row of an (N, C) tensor (LayerNorm,
 * softmax): the power of two giving each about four of the C values, at most a whole
 * workgroup, so that short rows share a workgroup instead of leaving most of it idle. Every
 * lane of a row gets at least one value.
 */
export function rowLanes(C: number): number {
  let lanes = 1;
  while (lanes < REDUCTION_WORKGROUP && lanes * 4 < C) lanes *= 2;
  return lanes;
}
