// The landscape's grid: its axes, the order its points are measured in (coarse to fine, so a
// rough picture appears first and sharpens), the automatic range around the trajectories, and
// the surface's value between grid points.

export interface AxisRange {
  x: [number, number];
  y: [number, number];
}

/** `n` evenly spaced values from low to high, both included. */
export function axisValues([low, high]: readonly [number, number], n: number): number[] {
  if (n === 1) return [(low + high) / 2];
  return Array.from({ length: n }, (_, i) => low + ((high - low) * i) / (n - 1));
}

/** The coarsest level's spacing: the largest power of two below n − 1. */
function coarsestStride(n: number): number {
  let stride = 1;
  while (stride * 2 < n - 1) stride *= 2;
  return stride;
}

/** Indices 0, stride, 2·stride, … along an axis of n points, and always the last one. */
function levelLines(n: number, stride: number): number[] {
  return [...new Set([...Array.from({ length: Math.floor((n - 1) / stride) + 1 }, (_, k) => k * stride), n - 1])];
}

/**
 * Every grid index (j * n + i) once, coarsest level first: the points on a stride of the
 * largest power of two below n, then each halved stride's new points, down to stride 1. The
 * last row and column join the first level so the coarse picture spans the whole range.
 */
export function progressiveOrder(n: number): number[] {
  const order: number[] = [];
  const seen = new Uint8Array(n * n);
  for (let stride = coarsestStride(n); stride >= 1; stride /= 2) {
    const lines = levelLines(n, stride);
    for (const j of lines) {
      for (const i of lines) {
        const index = j * n + i;
        if (seen[index]) continue;
        seen[index] = 1;
        order.push(index);
      }
    }
  }
  return order;
}

/** Points of the first (coarsest) level of progressiveOrder(n). */
export function coarseLevelSize(n: number): number {
  return levelLines(n, coarsestStride(n)).length ** 2;
}

/**
 * A range covering every point with `margin` of the extent to spare on each side; an axis
 * with no extent (one point, or a direction the rows do not span) gets ±1 around its value,
 * or the other axis's half-extent when that is larger, so the picture is never degenerate.
 */
export function autoRange(xs: readonly number[], ys: readonly number[], margin: number): AxisRange {
  const span = (values: readonly number[]): [number, number] => {
    const finite = values.filter(Number.isFinite);
    return finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 0];
  };
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  const fallback = Math.max(x1 - x0, y1 - y0) / 2 || 1;
  const widen = (low: number, high: number): [number, number] => {
    const extent = high - low;
    if (extent <= 0) return [low - fallback, high + fallback];
    return [low - margin * extent, high + margin * extent];
  };
  return { x: widen(x0, x1), y: widen(y0, y1) };
}

/**
 * The surface at (x, y), bilinear in the cell around it; null outside the grid or when a
 * corner that counts is not measured yet. losses[j][i] is the value at (alphas[i], betas[j]).
 */
export function surfaceAt(
  alphas: readonly number[],
  betas: readonly number[],
  losses: readonly (readonly (number | null)[])[],
  x: number,
  y: number,
): number | null {
  const locate = (axis: readonly number[], value: number): [number, number] | null => {
    const n = axis.length;
    if (n < 2 || value < axis[0] || value > axis[n - 1]) return n === 1 && value === axis[0] ? [0, 0] : null;
    const step = (axis[n - 1] - axis[0]) / (n - 1);
    const cell = Math.min(n - 2, Math.floor((value - axis[0]) / step));
    return [cell, (value - axis[cell]) / step];
  };
  const cx = locate(alphas, x);
  const cy = locate(betas, y);
  if (!cx || !cy) return null;
  const [i, tx] = cx;
  const [j, ty] = cy;
  const at = (jj: number, ii: number) => losses[Math.min(jj, betas.length - 1)]?.[Math.min(ii, alphas.length - 1)] ?? null;
  const corners = [at(j, i), at(j, i + 1), at(j + 1, i), at(j + 1, i + 1)];
  const weights = [(1 - ty) * (1 - tx), (1 - ty) * tx, ty * (1 - tx), ty * tx];
  let value = 0;
  for (let k = 0; k < 4; k++) {
    if (weights[k] === 0) continue;
    const corner = corners[k];
    if (corner === null) return null;
    value += weights[k] * corner;
  }
  return value;
}
