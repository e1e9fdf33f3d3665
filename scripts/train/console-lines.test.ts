import { describe, expect, it } from 'vitest';
import type { LandscapeFrame } from '../../src/engine/landscape/landscape-frame';
import type { StepProfile } from '../../src/engine/gpu/step-profile';
import { landscapeLine, profileLine } from './console-lines';

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

describe('profileLine', () => {
  it('gives the step, how it was timed, the phases and the three costliest layers', () => {
    const profile: StepProfile = {
      method: 'timestamps',
      note: '',
      dispatches: [
        { op: 'conv2d_forward', layer: 'conv1', phase: 'forward', ms: 3 },
        { op: 'linear_forward', layer: 'fc', phase: 'forward', ms: 1 },
        { op: 'conv2d_backward_weight', layer: 'conv1', phase: 'backward', ms: 5 },
        { op: 'adam_update', layer: '', phase: 'optimizer', ms: 1 },
      ],
      total_ms: 10,
      by_phase: [
        { name: 'forward', ms: 4, dispatches: 2 },
        { name: 'backward', ms: 5, dispatches: 1 },
        { name: 'optimizer', ms: 1, dispatches: 1 },
      ],
      by_layer: [
        { name: 'conv1', ms: 8, dispatches: 2, phases: { forward: 3, backward: 5 } },
        { name: 'fc', ms: 1, dispatches: 1, phases: { forward: 1 } },
        { name: '(whole model)', ms: 1, dispatches: 1, phases: { optimizer: 1 } },
      ],
      submit_overhead_ms: null,
    };
    expect(profileLine('adam', 7, profile)).toBe(
      '[adam] profile of step 7 (GPU timestamps): 10.0 ms over 4 dispatches; forward 4.0 ms (40 %), backward 5.0 ms (50 %), optimizer 1.0 ms (10 %); ' +
        'top layers conv1 8.0 ms (80 %), fc 1.0 ms (10 %), (whole model) 1.0 ms (10 %)',
    );
  });
});
