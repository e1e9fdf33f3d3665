// The batch check that the GPU launcher and the float64 reference both make, in a module of its
// own so that neither borrows it from the code the other checks.

/** PyTorch refuses to train on one value per channel: its biased variance would be 0. */
export function checkTrainingBatch(op: string, B: number, HW: number): void {
  if (B * HW < 2) {
    throw new Error(`${op}: Expected more than 1 value per channel when training, got input of B=${B}, H*W=${HW}`);
  }
}
