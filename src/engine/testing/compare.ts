// Assertions for kernel tests on top of the engine's element-wise comparison.

import { compareArrays, type Tolerance } from '../compare';

export { compareArrays, type Comparison, type Tolerance } from '../compare';

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance = {}, label?: string): void {
  const result = compareArrays(actual, expected, tolerance, label);
  if (!result.ok) throw new Error(result.report);
}
