// float64 reference of torch.nn.utils.clip_grad_norm_ over one flat gradient (clip-norm.ts is the
// GPU launcher).

/** The eps torch adds to the norm before dividing. */
export const CLIP_EPS = 1e-6;

/** g *= min(1, maxNorm / (||g||_2 + 1e-6)) in place; returns ||g||_2 before clipping. */
export function clipGradNorm(grads: Float64Array, maxNorm: number): number {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new Error(`clipGradNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
  let sum = 0;
  for (const g of grads) sum += g * g;
  const norm = Math.sqrt(sum);
  const coefficient = maxNorm / (norm + CLIP_EPS);
  // As torch's clamp(max=1): NaN stays NaN.
  const factor = coefficient >= 1 ? 1 : coefficient;
  for (let i = 0; i < grads.length; i++) grads[i] *= factor;
  return norm;
}
