// The seed's picture: the (W1, W2, loss) points every run recorded, pooled and interpolated
// over their convex hull onto a regular grid spanning their bounding box, blank outside the
// hull. The seed uses SciPy's griddata(method='cubic'), Clough–Tocher on a Delaunay
// triangulation; this is the linear variant on the same triangulation: inside a triangle
// with corners p_a, p_b, p_c the value is λ_a v_a + λ_b v_b + λ_c v_c, where λ are the
// barycentric coordinates of the grid point (λ ≥ 0, Σλ = 1). It reproduces any plane
// z = ax + by + c exactly and never overshoots the recorded values.

import Delaunator from 'delaunator';
import type { LandscapeFrame, TrajectoryPoint } from './landscape-frame';

export const INTERPOLATION_METHOD = 'linear on a Delaunay triangulation (delaunator)';

export interface ScatteredPoint {
  x: number;
  y: number;
  value: number;
}

/** A frame's `interpolated`: alphas and betas run from the points' smallest x (y) to their largest; losses[j][i] is the value at (alphas[i], betas[j]), null outside the hull. */
export type HullInterpolation = NonNullable<LandscapeFrame['interpolated']>;

/** A grid point on a triangle's edge counts as inside: barycentric coordinates down to -TOLERANCE (they are dimensionless). */
const TOLERANCE = 1e-9;
/** Triangles with less area than this fraction of the bounding box are slivers of nearly collinear points, whose barycentric coordinates are unstable; their grid points are covered by neighbours or lie on the hull's edge. */
const SLIVER = 1e-12;

function linspace(low: number, high: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? high : low + ((high - low) * i) / (n - 1)));
}

/** Points with finite coordinates and value; points at the same place are merged into one with their mean value. */
function distinctPoints(points: readonly ScatteredPoint[]): ScatteredPoint[] {
  const merged = new Map<string, { x: number; y: number; sum: number; count: number }>();
  for (const { x, y, value } of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(value)) continue;
    const key = `${x},${y}`;
    const entry = merged.get(key);
    if (entry) {
      entry.sum += value;
      entry.count += 1;
    } else merged.set(key, { x, y, sum: value, count: 1 });
  }
  return [...merged.values()].map(({ x, y, sum, count }) => ({ x, y, value: sum / count }));
}

/**
 * Interpolates scattered points onto an n x n grid over their bounding box, linearly on their
 * Delaunay triangulation; null outside the convex hull, and everywhere when fewer than three
 * points are not on one line. Points with a non-finite coordinate or value are left out; with
 * none left the grid is empty (no alphas, no betas).
 */
export function interpolateOverHull(points: readonly ScatteredPoint[], n: number): HullInterpolation {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`interpolateOverHull: n must be a whole number >= 2, got ${n}`);
  const distinct = distinctPoints(points);
  if (distinct.length === 0) return { method: INTERPOLATION_METHOD, alphas: [], betas: [], losses: [] };
  const xs = distinct.map((p) => p.x);
  const ys = distinct.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const alphas = linspace(x0, x1, n);
  const betas = linspace(y0, y1, n);
  const losses: (number | null)[][] = betas.map(() => alphas.map(() => null));
  const result = { method: INTERPOLATION_METHOD, alphas, betas, losses };
  const boxArea = (x1 - x0) * (y1 - y0);
  if (distinct.length < 3 || boxArea === 0) return result;

  const coords = new Float64Array(distinct.length * 2);
  distinct.forEach((p, k) => coords.set([p.x, p.y], 2 * k));
  const { triangles } = new Delaunator(coords);
  const dx = (x1 - x0) / (n - 1);
  const dy = (y1 - y0) / (n - 1);
  const first = (low: number, origin: number, step: number) => Math.max(0, Math.ceil((low - origin) / step - TOLERANCE));
  const last = (high: number, origin: number, step: number) => Math.min(n - 1, Math.floor((high - origin) / step + TOLERANCE));

  for (let t = 0; t < triangles.length; t += 3) {
    const [a, b, c] = [distinct[triangles[t]], distinct[triangles[t + 1]], distinct[triangles[t + 2]]];
    // Twice the signed area; λ_a = area(p, b, c) / area(a, b, c) and so on.
    const area = (b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y);
    if (Math.abs(area) <= SLIVER * boxArea) continue;
    const iFrom = first(Math.min(a.x, b.x, c.x), x0, dx);
    const iTo = last(Math.max(a.x, b.x, c.x), x0, dx);
    const jFrom = first(Math.min(a.y, b.y, c.y), y0, dy);
    const jTo = last(Math.max(a.y, b.y, c.y), y0, dy);
    for (let j = jFrom; j <= jTo; j++) {
      const y = betas[j];
      for (let i = iFrom; i <= iTo; i++) {
        if (losses[j][i] !== null) continue;
        const x = alphas[i];
        const la = ((b.x - x) * (c.y - y) - (c.x - x) * (b.y - y)) / area;
        const lb = ((c.x - x) * (a.y - y) - (a.x - x) * (c.y - y)) / area;
        const lc = 1 - la - lb;
        if (la >= -TOLERANCE && lb >= -TOLERANCE && lc >= -TOLERANCE) losses[j][i] = la * a.value + lb * b.value + lc * c.value;
      }
    }
  }
  return result;
}

/** The seed's picture from a frame's trajectories: every run's (x, y, train_loss), the start (no training loss yet) left out as the seed leaves it out. */
export function interpolateTrajectories(trajectories: readonly TrajectoryPoint[], n: number): HullInterpolation {
  const recorded = trajectories.filter((point) => point.train_loss !== null).map(({ x, y, train_loss }) => ({ x, y, value: train_loss! }));
  return interpolateOverHull(recorded, n);
}
