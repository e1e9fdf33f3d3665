import { describe, expect, it } from 'vitest';
import { projectOntoPlane } from './plane-projection';

/** The dot products the GPU would compute for θ − c = v against directions dx and dy. */
function dots(v: number[], dx: number[], dy: number[]) {
  const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);
  return { p: dot(v, dx), q: dot(v, dy), squared: dot(v, v), gram: { xx: dot(dx, dx), xy: dot(dx, dy), yy: dot(dy, dy) } };
}

describe('projectOntoPlane', () => {
  it('recovers the coefficients of a point in the plane of two skew directions, at distance 0', () => {
    const dx = [1, 0, 0];
    const dy = [1, 1, 0];
    const v = [2 * 1 + -3 * 1, -3 * 1, 0];
    const { p, q, squared, gram } = dots(v, dx, dy);
    const point = projectOntoPlane(p, q, squared, gram);
    expect(point.x).toBeCloseTo(2, 12);
    expect(point.y).toBeCloseTo(-3, 12);
    expect(point.offPlane).toBeCloseTo(0, 6);
  });

  it('measures the distance of a point off the plane', () => {
    const { p, q, squared, gram } = dots([1, 2, 5], [1, 0, 0], [0, 1, 0]);
    const point = projectOntoPlane(p, q, squared, gram);
    expect([point.x, point.y]).toEqual([1, 2]);
    expect(point.offPlane).toBeCloseTo(5, 12);
  });

  it('projects on the one direction there is when the other is zero', () => {
    const { p, q, squared, gram } = dots([3, 4], [1, 0], [0, 0]);
    const point = projectOntoPlane(p, q, squared, gram);
    expect(point).toEqual({ x: 3, y: 0, offPlane: 4 });
  });
});
