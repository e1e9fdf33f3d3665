import { describe, expect, it } from 'vitest';
import { gershgorinDiscs } from './gershgorin';

describe('gershgorinDiscs', () => {
  it('gives the centres and row radii of a hand-worked 3x3 matrix', () => {
    // Row 0: |−1| + |0.5| = 1.5; row 1: |2| + |1| = 3; row 2: |0| + |0.25| = 0.25.
    const m = [4, -1, 0.5, 2, -3, 1, 0, 0.25, 1];
    expect(gershgorinDiscs(m, 3)).toEqual({ centers: [4, -3, 1], radii: [1.5, 3, 0.25] });
  });

  it('gives radius 0 for a diagonal matrix, and negative centres as they are', () => {
    expect(gershgorinDiscs([-2, 0, 0, 5], 2)).toEqual({ centers: [-2, 5], radii: [0, 0] });
  });
});
