import { describe, expect, it } from 'vitest';
import { IGNORE_TARGET } from './cross-entropy-labels';
import { crossEntropyTotals } from './cross-entropy.ref';

describe('crossEntropyTotals reference', () => {
  it('adds only the first validRows rows to the running totals', () => {
    const totals = Float64Array.of(1, 1, 2);
    const losses = Float64Array.of(0.5, 0.25, 100);
    // Rows: argmax 1 (label 1, right), argmax 0 (label 1, wrong), padding row (ignored).
    const logits = Float64Array.of(0, 2, 3, 1, 9, 0);
    crossEntropyTotals(totals, losses, logits, [1, 1, 0], 2, 3, 2);
    expect(Array.from(totals)).toEqual([1.75, 2, 4]);
  });

  it('skips ignored rows: no loss, never correct, not counted', () => {
    const totals = new Float64Array(3);
    const losses = Float64Array.of(0.5, 7, 0.25, 2, 100);
    // Rows: argmax 1 (label 1, right); ignored although its argmax 0 would match any label 0;
    // argmax 2 (label 2, right); argmax 0 (label 1, wrong); padding, ignored by validRows.
    const logits = Float64Array.of(0, 2, 1, 9, 0, 0, 0, 1, 3, 5, 4, 3, 0, 0, 1);
    crossEntropyTotals(totals, losses, logits, [1, IGNORE_TARGET, 2, 1, 2], 4, 5, 3);
    expect(Array.from(totals)).toEqual([2.75, 2, 3]);
    // A second batch accumulates; validRows above B is capped at B.
    crossEntropyTotals(totals, Float64Array.of(1, 3), Float64Array.of(1, 0, 0, 1), [IGNORE_TARGET, 1], 5, 2, 2);
    expect(Array.from(totals)).toEqual([5.75, 3, 4]);
  });
});
