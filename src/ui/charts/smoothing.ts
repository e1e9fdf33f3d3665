// TensorBoard's smoothing of scalar curves: a debiased exponential moving average.
//
// TensorBoard computes it in `resmoothDataset` of
// tensorboard/components/vz_line_chart2/line-chart.ts (tensorflow/tensorboard):
//   last = 0; numAccum = 0
//   for each value: if the series is constant or the value is not finite, smoothed = value
//   else: last = last * w + (1 - w) * value; numAccum++
//         debiasWeight = (w === 1 ? 1 : 1 - w^numAccum); smoothed = last / debiasWeight
// Starting from 0 biases the average towards 0: with every value c, after t points it is
// c * (1 - w^t), so dividing by 1 - w^t removes the bias. The constant-series shortcut
// (TensorBoard #786) returns the values as they are, so a flat line stays exactly flat
// rather than wobbling in the last bits.

/**
 * Smooths `values` with weight `weight` in [0, 1): 0 returns the values, larger weights
 * average over longer spans (about 1 / (1 - weight) points). Non-finite values pass through
 * unchanged and do not enter the average.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) {
    throw new RangeError(`Smoothing weight must be in [0, 1) (got ${weight}); 0 turns smoothing off, 0.99 is the strongest the charts offer.`);
  }
  const first = values[0];
  if (values.every((value) => value === first)) return values.slice();
  const smoothed: number[] = new Array<number>(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      smoothed[i] = value;
      continue;
    }
    last = last * weight + (1 - weight) * value;
    count += 1;
    // TensorBoard guards weight === 1 (debias 1); the range check above excludes it.
    smoothed[i] = last / (1 - weight ** count);
  }
  return smoothed;
}
