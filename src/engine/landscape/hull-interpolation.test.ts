import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { INTERPOLATION_METHOD, interpolateOverHull, interpolateTrajectories, type ScatteredPoint } from './hull-interpolation';

const points = (rows: number[][]): ScatteredPoint[] => rows.map(([x, y, value]) => ({ x, y, value }));

/** Whether (x, y) is inside the convex polygon whose corners are listed counter-clockwise, with `margin` to spare from every edge. */
function insideConvex(corners: readonly [number, number][], x: number, y: number, margin: number): boolean {
  return corners.every(([ax, ay], k) => {
    const [bx, by] = corners[(k + 1) % corners.length];
    return ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / Math.hypot(bx - ax, by - ay) > margin;
  });
}

describe('interpolateOverHull', () => {
  it('says which method it uses', () => {
    expect(INTERPOLATION_METHOD).toBe('linear on a Delaunay triangulation (delaunator)');
    expect(
      interpolateOverHull(
        points([
          [0, 0, 1],
          [1, 0, 2],
          [0, 1, 3],
        ]),
        3,
      ).method,
    ).toBe(INTERPOLATION_METHOD);
  });

  it('reproduces a plane z = ax + by + c inside the hull', () => {
    const rng = createRng(3);
    const plane = (x: number, y: number) => 0.7 * x - 2.5 * y + 1.25;
    const scattered = Array.from({ length: 60 }, () => {
      const [x, y] = [rng.uniform(-3, 5), rng.uniform(0.1, 0.4)];
      return { x, y, value: plane(x, y) };
    });
    const { alphas, betas, losses } = interpolateOverHull(scattered, 41);
    let inside = 0;
    losses.forEach((row, j) =>
      row.forEach((value, i) => {
        if (value === null) return;
        inside++;
        expect(Math.abs(value - plane(alphas[i], betas[j]))).toBeLessThan(1e-12);
      }),
    );
    expect(inside).toBeGreaterThan(41 * 41 * 0.5);
  });

  it('spans the bounding box and blanks exactly what lies outside the convex hull', () => {
    // A hexagon's corners (its hull) and points inside it, with a non-planar value.
    const hexagon = Array.from(
      { length: 6 },
      (_, k) => [2 + Math.cos((k * Math.PI) / 3 + 0.2), -1 + 0.5 * Math.sin((k * Math.PI) / 3 + 0.2)] as [number, number],
    );
    const rng = createRng(7);
    const interior = Array.from({ length: 40 }, () => [2 + rng.uniform(-0.5, 0.5), -1 + rng.uniform(-0.2, 0.2)]);
    const scattered = [...hexagon, ...interior].map(([x, y]) => ({ x, y, value: Math.exp(x) * Math.cos(3 * y) }));
    const n = 51;
    const { alphas, betas, losses } = interpolateOverHull(scattered, n);
    expect(alphas).toHaveLength(n);
    expect(betas).toHaveLength(n);
    expect([alphas[0], alphas[n - 1]]).toEqual([Math.min(...hexagon.map(([x]) => x)), Math.max(...hexagon.map(([x]) => x))]);
    expect([betas[0], betas[n - 1]]).toEqual([Math.min(...hexagon.map(([, y]) => y)), Math.max(...hexagon.map(([, y]) => y))]);
    const [low, high] = [Math.min(...scattered.map((p) => p.value)), Math.max(...scattered.map((p) => p.value))];
    let [inside, outside] = [0, 0];
    losses.forEach((row, j) =>
      row.forEach((value, i) => {
        const [x, y] = [alphas[i], betas[j]];
        if (insideConvex(hexagon, x, y, 1e-6)) {
          inside++;
          expect(value).not.toBeNull();
          // Linear interpolation stays within the recorded values.
          expect(value!).toBeGreaterThanOrEqual(low - 1e-12);
          expect(value!).toBeLessThanOrEqual(high + 1e-12);
        } else if (!insideConvex(hexagon, x, y, -1e-6)) {
          outside++;
          expect(value).toBeNull();
        }
      }),
    );
    expect(inside).toBeGreaterThan(1000);
    expect(outside).toBeGreaterThan(300);
  });

  it("matches SciPy's griddata(method='linear') on scattered points", () => {
    // numpy.random.default_rng(11): 12 points in [-1, 1]², values sin(3x) + y², rounded;
    // scipy.interpolate.griddata(points, values, meshgrid(linspace(min x, max x, 7), linspace(min y, max y, 7)), method='linear').
    const scattered = points([
      [-0.743, -0.001, -0.7911],
      [0.203, -0.943, 1.4613],
      [-0.704, 0.856, -0.1244],
      [-0.859, -0.74, 0.0125],
      [0.897, 0.244, 0.495],
      [-0.262, 0.023, -0.707],
      [0.326, -0.449, 1.031],
      [-0.724, 0.576, -0.4929],
      [0.341, 0.025, 0.8543],
      [0.633, 0.098, 0.9562],
      [0.962, -0.591, 0.6021],
      [0.107, -0.033, 0.3166],
    ]);
    const scipy = [
      [null, null, null, null, null, null, null],
      [null, 0.15573713393601915, 0.4683206265828017, 0.7809041192295842, 1.1364670464344941, 0.8866579488919041, null],
      [null, -0.36313764263604353, -0.0560409901481164, 0.37323129734196386, 1.0030438720295964, 0.8454188351137291, null],
      [null, -0.7000487141135607, -0.5804026068790342, 0.16792861087510616, 0.8870416300714425, 0.9098293974752608, null],
      [null, -0.6313781980118931, -0.12466657585139299, 0.582538539690702, 0.7298615433132483, 0.5825913302674165, null],
      [null, -0.34495608590893967, 0.2654156548680985, 0.19306662619251166, null, null, null],
      [null, null, null, null, null, null, null],
    ];
    const { losses } = interpolateOverHull(scattered, 7);
    losses.forEach((row, j) =>
      row.forEach((value, i) => {
        const expected = scipy[j][i];
        if (expected === null) expect(value).toBeNull();
        else expect(Math.abs(value! - expected)).toBeLessThan(1e-12);
      }),
    );
  });

  it('reproduces the recorded values at the recorded points', () => {
    // Points on the grid's own nodes: x, y in {0, 0.5, 1}.
    const scattered = points([
      [0, 0, 1],
      [1, 0, 5],
      [0, 1, -2],
      [1, 1, 7],
      [0.5, 0.5, 10],
    ]);
    const { losses } = interpolateOverHull(scattered, 3);
    expect(losses[0][0]).toBeCloseTo(1, 12);
    expect(losses[0][2]).toBeCloseTo(5, 12);
    expect(losses[2][0]).toBeCloseTo(-2, 12);
    expect(losses[2][2]).toBeCloseTo(7, 12);
    expect(losses[1][1]).toBeCloseTo(10, 12);
    // Edge midpoints lie on hull edges: the mean of the two ends.
    expect(losses[0][1]).toBeCloseTo(3, 12);
    expect(losses[1][0]).toBeCloseTo(-0.5, 12);
  });

  it('merges duplicate points into their mean and leaves out non-finite ones', () => {
    const scattered = points([
      [0, 0, 1],
      [0, 0, 3],
      [1, 0, 4],
      [1, 0, 4],
      [0, 1, 6],
      [0.2, 0.2, NaN],
      [Infinity, 0, 1],
    ]);
    const { alphas, betas, losses } = interpolateOverHull(scattered, 5);
    expect(alphas).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(betas).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // The plane through (0, 0, 2), (1, 0, 4), (0, 1, 6): 2 + 2x + 4y.
    expect(losses[0][0]).toBeCloseTo(2, 12);
    expect(losses[1][2]).toBeCloseTo(2 + 1 + 1, 12);
    expect(losses[4][4]).toBeNull();
    expect(losses[3][2]).toBeNull();
  });

  it('gives an all-blank grid for fewer than three points off one line, and an empty one for none', () => {
    const blank = (result: ReturnType<typeof interpolateOverHull>) => result.losses.flat().every((value) => value === null);
    const collinear = interpolateOverHull(
      points([
        [0, 0, 1],
        [1, 1, 2],
        [2, 2, 3],
        [3, 3, 4],
      ]),
      4,
    );
    expect(collinear.alphas).toEqual([0, 1, 2, 3]);
    expect(collinear.losses).toHaveLength(4);
    expect(blank(collinear)).toBe(true);
    expect(
      blank(
        interpolateOverHull(
          points([
            [0, 0, 1],
            [0, 1, 2],
            [0, 2, 3],
          ]),
          4,
        ),
      ),
    ).toBe(true);
    expect(
      blank(
        interpolateOverHull(
          points([
            [0, 0, 1],
            [1, 1, 2],
          ]),
          4,
        ),
      ),
    ).toBe(true);
    const single = interpolateOverHull(
      points([
        [0.2, 0.2, 1],
        [0.2, 0.2, 1.5],
      ]),
      3,
    );
    expect(single.alphas).toEqual([0.2, 0.2, 0.2]);
    expect(blank(single)).toBe(true);
    expect(interpolateOverHull([], 5)).toEqual({ method: INTERPOLATION_METHOD, alphas: [], betas: [], losses: [] });
    expect(() => interpolateOverHull(points([[0, 0, 1]]), 1)).toThrow('interpolateOverHull: n must be a whole number >= 2, got 1');
  });

  it('handles nearly collinear points without a crash or a value off the recorded range', () => {
    const scattered = Array.from({ length: 30 }, (_, k) => ({ x: k / 29, y: 1e-13 * (k % 3), value: k }));
    const { losses } = interpolateOverHull(scattered, 9);
    for (const value of losses.flat()) if (value !== null) expect(Number.isFinite(value) && value >= 0 && value <= 29).toBe(true);
  });
});

describe('interpolateTrajectories', () => {
  it('interpolates the recorded training losses of every run and leaves out the starts', () => {
    const point = (run: string, step: number, x: number, y: number, train_loss: number | null) => ({
      run,
      step,
      x,
      y,
      train_loss,
      eval_loss: null,
      off_plane: 0,
      surface_loss: null,
    });
    const trajectories = [point('a', 0, 5, 5, null), point('a', 15, 0, 0, 1), point('a', 30, 1, 0, 2), point('b', 15, 0, 1, 3), point('b', 30, 1, 1, 4)];
    const { alphas, betas, losses } = interpolateTrajectories(trajectories, 3);
    // Without the start at (5, 5) the box is [0, 1]²; the values are 1 + x + 2y.
    expect(alphas).toEqual([0, 0.5, 1]);
    expect(betas).toEqual([0, 0.5, 1]);
    expect(losses[1][1]).toBeCloseTo(2.5, 12);
    expect(losses[2][2]).toBeCloseTo(4, 12);
  });
});
