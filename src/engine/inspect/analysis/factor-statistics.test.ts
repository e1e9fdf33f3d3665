import { describe, expect, it } from 'vitest';
import { diagonalShare, matrixRange, snrDb } from './factor-statistics';

describe('snrDb', () => {
  it('is 10 · log10(mean(diag M²) / mean(triu(M_noisy, 1)²)) with the second mean over all n² entries', () => {
    // diag(M) = [1, 2, 3]: mean of squares 14/3. Upper entries of the noisy matrix 0.1, 0.2, 0.3:
    // squares sum to 0.14, over 9 entries. Ratio (14/3) / (0.14/9) = 300, so 10 · log10(300) dB.
    const m = [1, 7, 7, 7, 2, 7, 7, 7, 3];
    const noisy = [5, 0.1, 0.2, -9, 5, 0.3, -9, -9, 5];
    expect(snrDb(m, noisy, 3)).toBeCloseTo(10 * Math.log10(300), 12);
  });

  it('reads the diagonal of the clean matrix and only the strict upper triangle of the noisy one', () => {
    // n = 2: diag [3, 4] gives 12.5; triu(noisy, 1) holds only 0.5 (not the 100 below, nor the noisy diagonal), so 0.25 / 4.
    const noisy = [9, 0.5, 100, 9];
    expect(snrDb([3, 0, 0, 4], noisy, 2)).toBeCloseTo(10 * Math.log10(12.5 / (0.25 / 4)), 12);
  });
});

describe('diagonalShare', () => {
  it('is ‖diag M‖² / ‖M‖_F²', () => {
    // (1 + 16) / (1 + 4 + 9 + 16)
    expect(diagonalShare([1, 2, 3, 4], 2)).toBeCloseTo(17 / 30, 15);
  });

  it('is 1 for a diagonal matrix and 1/n for a constant one', () => {
    expect(diagonalShare([2, 0, 0, 0, -1, 0, 0, 0, 5], 3)).toBe(1);
    expect(diagonalShare(new Array(25).fill(0.3), 5)).toBeCloseTo(1 / 5, 15);
  });
});

describe('matrixRange', () => {
  it('gives the global min and max', () => {
    expect(matrixRange([0.5, -2, 3, 1])).toEqual({ min: -2, max: 3 });
  });
});
