import { describe, expect, it } from 'vitest';
import type { LandscapeFrame } from '../../src/engine/landscape/landscape-frame';
import { landscapeLine } from './console-lines';

const frame: LandscapeFrame = {
  id: 2,
  plane: 'pca',
  centerRun: 'adam',
  centerLabel: 'adam, step 40',
  axisLabels: ['PC1 (81.3 %)', 'PC2 (12.0 %)'],
  explainedVariance: [0.813, 0.12],
  alphas: [0, 1, 2],
  betas: [0, 1, 2],
  losses: [],
  filled: 4,
  choice: { grid: 3, evalSize: 16, reason: 'as set' },
  budget: {
    budgetBytes: 1 << 20,
    runs: [
      { run: 'adam', kept: 5, capacity: 8, every: 10 },
      { run: 'sgd', kept: 5, capacity: 8, every: 10 },
    ],
  },
  trajectories: [],
  fit: { relativeOffPlane: 0.0412, meanGap: 0.01 },
  settled: false,
};

describe('landscapeLine', () => {
  it('gives the plane, the grid measured so far, the snapshots and the fit', () => {
    expect(landscapeLine(frame)).toBe(
      '[landscape] pca plane at adam, step 40, axes PC1 (81.3 %) and PC2 (12.0 %): 4/9 grid points at 16 examples, 10 snapshots, 4.1 % off the plane',
    );
  });

  it('marks the last frame and leaves out a fit not yet known', () => {
    const last = { ...frame, filled: 9, settled: true, fit: { relativeOffPlane: null, meanGap: null } };
    expect(landscapeLine(last)).toBe(
      '[landscape] pca plane at adam, step 40, axes PC1 (81.3 %) and PC2 (12.0 %): 9/9 grid points at 16 examples, 10 snapshots (final)',
    );
  });
});
