import { describe, expect, it } from 'vitest';
import { inspectionRecord } from '../testing/inspection-fixture';
import { dampingLine, fisherLines, latestSharesText, shareLines } from './inspector-series';
import type { InspectionPoint } from './inspector-state';

const points: InspectionPoint[] = [100, 200].map((step) => {
  const { shares, fisher } = inspectionRecord('adafisher', step, { damping: 1e-3 });
  return { step, shares, fisher };
});

describe('lines over steps', () => {
  it('give each layer its share of H and of S at each measurement', () => {
    const h = shareLines(points, 'H');
    expect(h.map((line) => line.layer)).toEqual(['conv1', 'conv2', 'fc']);
    expect(h[1].steps).toEqual([100, 200]);
    expect(h[1].values[0]).toBeCloseTo(0.9 - 0.1 - 0.1, 12);
    expect(shareLines(points, 'S')[0].values).toEqual([0.95 - 0.1, 0.95 - 0.2]);
  });

  it('give each layer F̃ minimum, median and maximum, and λ', () => {
    const fisher = fisherLines(points);
    expect(fisher[2]).toEqual({ layer: 'fc', steps: [100, 200], min: [1.01e-3, 1.01e-3], median: [4e-3, 4e-3], max: [0.2, 0.3] });
    expect(dampingLine(points)).toEqual({ steps: [100, 200], values: [1e-3, 1e-3] });
  });

  it('leave F̃ out for a run without it, and skip a layer a measurement does not list', () => {
    const adam: InspectionPoint[] = [
      { step: 100, shares: [{ layer: 'fc', h: 0.5, s: 0.6 }], fisher: null },
      { step: 200, shares: [], fisher: null },
    ];
    expect(fisherLines(adam)).toEqual([]);
    expect(dampingLine(adam)).toEqual({ steps: [], values: [] });
    expect(shareLines(adam, 'H')).toEqual([{ layer: 'fc', steps: [100], values: [0.5] }]);
    expect(latestSharesText(adam.slice(0, 1))).toBe('step 100: fc H 0.500 S 0.600');
  });
});
