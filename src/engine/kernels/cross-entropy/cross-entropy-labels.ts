// The label convention of the cross-entropy kernels, their float64 reference and everything that
// makes targets (token batches, the sampler, the model's metrics): defined here once.

/**
 * A label that marks a row as having no target (PyTorch's ignore_index): it contributes loss 0
 * and a zero gradient, and the totals do not count it. 0xffffffff is the largest u32, so it can
 * never be a class of a vocabulary that fits in memory.
 */
export const IGNORE_TARGET = 0xffffffff;
