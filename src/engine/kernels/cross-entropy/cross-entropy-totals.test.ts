import { describe, expect, it } from 'vitest';
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
});
