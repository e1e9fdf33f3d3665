// Landscape frames as the worker would send them, for the page's tests: a bowl-shaped loss on
// a small grid and two runs walking down it from a shared start. Test code only.

import type { LandscapeFrame, PlaneKind, TrajectoryPoint } from '../../engine/landscape/landscape-frame';

export interface FixtureOptions {
  id?: number;
  plane?: PlaneKind;
  /** Points along each axis. */
  grid?: number;
  /** Grid points measured so far, in row-major order (the rest are null); all by default. */
  filled?: number;
  runs?: readonly string[];
  settled?: boolean;
}

/** L(α, β) = 0.4 + α² + 2β²: a bowl with its floor at the origin. */
export function bowlLoss(alpha: number, beta: number): number {
  return 0.4 + alpha * alpha + 2 * beta * beta;
}

const linspace = (low: number, high: number, count: number) => Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));

/** Each run leaves (1, 1) at step 0 and walks towards the origin along its own path, a snapshot every 10 steps. */
function trajectory(run: string, index: number): TrajectoryPoint[] {
  return [0, 1, 2, 3].map((k) => {
    const t = k / 4;
    const x = 1 - t * (index === 0 ? 1.0 : 0.6);
    const y = 1 - t * (index === 0 ? 0.6 : 1.0);
    const loss = bowlLoss(x, y);
    return { run, step: 10 * k, x, y, train_loss: k === 0 ? null : loss + 0.05, eval_loss: loss, off_plane: 0.1 * k, surface_loss: loss - 0.01 };
  });
}

export function landscapeFixture({
  id = 1,
  plane = 'pca',
  grid = 5,
  filled,
  runs = ['adafisher', 'adam'],
  settled = false,
}: FixtureOptions = {}): LandscapeFrame {
  const alphas = linspace(-1.5, 1.5, grid);
  const betas = linspace(-1.5, 1.5, grid);
  const measured = filled ?? grid * grid;
  const losses = betas.map((beta, j) => alphas.map((alpha, i) => (j * grid + i < measured ? bowlLoss(alpha, beta) : null)));
  const frame: LandscapeFrame = {
    id,
    plane,
    centerRun: runs[0],
    centerLabel: `${runs[0]}, step 30`,
    axisLabels:
      plane === 'pca'
        ? ['PC1 (82.1 %)', 'PC2 (9.3 %)']
        : plane === 'weights'
          ? ['fc1.weight[0, 0]', 'fc1.weight[0, 1]']
          : ['random direction 1', 'random direction 2'],
    explainedVariance: plane === 'pca' ? [0.821, 0.093] : null,
    alphas,
    betas,
    losses,
    filled: measured,
    choice: { grid, evalSize: 128, reason: `${grid} x ${grid} at 128 examples: one forward takes about 0.31 s here` },
    budget: { budgetBytes: 64 * 2 ** 20, runs: runs.map((run) => ({ run, kept: 4, capacity: 40, every: 10 })) },
    trajectories: runs.flatMap((run, index) => trajectory(run, index)),
    fit: { relativeOffPlane: 0.12, meanGap: 0.01 },
    settled,
  };
  if (plane === 'weights') {
    // The recorded points cover the square they walk in; outside their hull the interpolation is blank.
    frame.interpolated = {
      method: 'linear on a Delaunay triangulation',
      alphas,
      betas,
      losses: betas.map((beta) => alphas.map((alpha) => (alpha >= 0 && beta >= 0 ? bowlLoss(alpha, beta) + 0.05 : null))),
    };
  }
  return frame;
}
