import { describe, expect, it } from 'vitest';
import type { LandscapeFrame, TrajectoryPoint } from './landscape-frame';
import { landscapeJson, trajectoriesCsv } from './landscape-files';

const point = (run: string, step: number, x: number, y: number, train_loss: number | null, eval_loss: number | null, off_plane: number): TrajectoryPoint => ({
  run,
  step,
  x,
  y,
  train_loss,
  eval_loss,
  off_plane,
  surface_loss: null,
});

function frame(overrides: Partial<LandscapeFrame> = {}): LandscapeFrame {
  return {
    id: 3,
    plane: 'pca',
    centerRun: 'adam',
    centerLabel: 'adam, step 20',
    axisLabels: ['PC1 (81.3 %)', 'PC2 (12.0 %)'],
    explainedVariance: [0.8132, 0.1201],
    alphas: [-1, 0, 1],
    betas: [-0.5, 0.5],
    losses: [
      [2.302585092994046, 1.1, null],
      [0.1 + 0.2, null, 3.5],
    ],
    filled: 4,
    choice: { grid: 3, evalSize: 16, reason: '3 x 3 at 16 examples, as set' },
    budget: { budgetBytes: 1048576, runs: [{ run: 'adam', kept: 3, capacity: 10, every: 10 }] },
    trajectories: [point('adam', 0, 0.125, -0.25, null, 2.3025850929940455, 0), point('adam', 10, 1 / 3, 1e-9, 1.9, null, 0.0123)],
    fit: { relativeOffPlane: 0.05, meanGap: null },
    settled: false,
    ...overrides,
  };
}

describe('trajectoriesCsv', () => {
  it('writes one row per snapshot with full precision and empty cells for what is not measured', () => {
    expect(trajectoriesCsv(frame())).toBe(
      'run,step,x,y,train_loss,eval_loss,off_plane\n' + 'adam,0,0.125,-0.25,,2.3025850929940455,0\n' + 'adam,10,0.3333333333333333,1e-9,1.9,,0.0123\n',
    );
  });

  it('reads back to the same numbers', () => {
    const rows = trajectoriesCsv(frame()).trim().split('\n').slice(1);
    const [, , x, y] = rows[1].split(',');
    expect(Number(x)).toBe(1 / 3);
    expect(Number(y)).toBe(1e-9);
  });

  it('quotes run names that hold a comma or a quote', () => {
    const csv = trajectoriesCsv(frame({ trajectories: [point('adam, lr 1e-3', 0, 0, 0, null, null, 0), point('say "hi"', 0, 0, 0, null, null, 0)] }));
    expect(csv.split('\n').slice(1, 3)).toEqual(['"adam, lr 1e-3",0,0,0,,,0', '"say ""hi""",0,0,0,,,0']);
  });

  it('writes only the header when there are no snapshots yet', () => {
    expect(trajectoriesCsv(frame({ trajectories: [] }))).toBe('run,step,x,y,train_loss,eval_loss,off_plane\n');
  });
});

describe('landscapeJson', () => {
  it('holds the plane, the centre, the axes, the grid with nulls where not measured, the choices, the budget and the fit', () => {
    const json = JSON.parse(landscapeJson(frame()));
    expect(json).toEqual({
      plane: 'pca',
      center_run: 'adam',
      center: 'adam, step 20',
      axis_labels: ['PC1 (81.3 %)', 'PC2 (12.0 %)'],
      explained_variance: [0.8132, 0.1201],
      grid: { points_per_axis: 3, eval_size: 16, reason: '3 x 3 at 16 examples, as set' },
      filled: 4,
      complete: false,
      settled: false,
      fit: { relative_off_plane: 0.05, mean_gap: null },
      snapshot_budget: { bytes: 1048576, runs: [{ run: 'adam', kept: 3, capacity: 10, every: 10 }] },
      alphas: [-1, 0, 1],
      betas: [-0.5, 0.5],
      losses: [
        [2.302585092994046, 1.1, null],
        [0.30000000000000004, null, 3.5],
      ],
    });
    expect(json).not.toHaveProperty('interpolated');
  });

  it('keeps grid rows on one line each', () => {
    const text = landscapeJson(frame());
    expect(text).toContain('  "losses": [\n    [2.302585092994046, 1.1, null],\n    [0.30000000000000004, null, 3.5]\n  ]\n}\n');
    expect(text).toContain('  "alphas": [-1, 0, 1],\n');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('adds the interpolated picture of a weights plane with its method', () => {
    const interpolated = {
      method: 'linear on a Delaunay triangulation (delaunator)',
      alphas: [0.1, 0.2],
      betas: [0.3, 0.4],
      losses: [
        [1, null],
        [null, 2],
      ],
    };
    const json = JSON.parse(
      landscapeJson(
        frame({ plane: 'weights', explainedVariance: null, axisLabels: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'], interpolated, filled: 6, settled: true }),
      ),
    );
    expect(json).toMatchObject({
      plane: 'weights',
      explained_variance: null,
      axis_labels: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'],
      complete: true,
      settled: true,
    });
    expect(json.interpolated).toEqual(interpolated);
  });
});
