// Element-wise comparison of two arrays: |actual - expected| <= atol + rtol * |expected|.
// The kernel tests and the page's device check both use it, so it lives in the engine; on
// failure the report gives the worst difference and the first values that differ (llm.c's
// validate_result), which is what one needs to find an indexing bug.

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

export interface Comparison {
  ok: boolean;
  maxAbsDiff: number;
  maxAbsDiffIndex: number;
  mismatches: number;
  report: string;
}

export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4 }: Tolerance = {},
  label = 'values',
): Comparison {
  if (actual.length !== expected.length) {
    return {
      ok: false,
      maxAbsDiff: Infinity,
      maxAbsDiffIndex: -1,
      mismatches: Math.max(actual.length, expected.length),
      report: `${label}: length ${actual.length} != expected ${expected.length}`,
    };
  }
  let maxAbsDiff = 0;
  let maxAbsDiffIndex = -1;
  const firstBad: string[] = [];
  let mismatches = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    const bad = !(diff <= atol + rtol * Math.abs(expected[i])); // NaN counts as bad
    if (bad) {
      mismatches++;
      if (firstBad.length < 5) firstBad.push(`[${i}] got ${actual[i]} expected ${expected[i]}`);
    }
    if (!(diff <= maxAbsDiff)) {
      maxAbsDiff = diff;
      maxAbsDiffIndex = i;
    }
  }
  const report =
    `${label}: ${mismatches}/${expected.length} outside atol=${atol} rtol=${rtol}; ` +
    `max |diff| ${maxAbsDiff.toExponential(3)} at [${maxAbsDiffIndex}]` +
    (firstBad.length ? `; first: ${firstBad.join(', ')}` : '');
  return { ok: mismatches === 0, maxAbsDiff, maxAbsDiffIndex, mismatches, report };
}
