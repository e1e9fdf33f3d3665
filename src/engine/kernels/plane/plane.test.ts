import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { gramUpdate } from '../snapshot/snapshot.ref';
import { combineRows, perturb, projectRows } from './plane.ref';

describe('plane references', () => {
  it('combineRows overwrites or adds the combination of rows relative to the origin, worked by hand', () => {
    // origin (1, 1); s0 − origin = (1, 2), s1 − origin = (−1, 0); 2·(1, 2) + 3·(−1, 0) = (−1, 4).
    const origin = Float64Array.of(1, 1);
    const snapshots = Float64Array.of(2, 3, 0, 1);
    const out = Float64Array.of(10, 20);
    combineRows(out, snapshots, origin, [2, 3], 2, 2, { accumulate: true });
    expect(Array.from(out)).toEqual([9, 24]);
    combineRows(out, snapshots, origin, [2, 3], 2, 2, { accumulate: false });
    expect(Array.from(out)).toEqual([-1, 4]);
  });

  it('combineRows skips a row whose coefficient is zero, even a non-finite one', () => {
    const out = new Float64Array(2);
    combineRows(out, Float64Array.of(NaN, Infinity, 3, 5), Float64Array.of(1, 1), [0, 0.5], 2, 2, { accumulate: false });
    expect(Array.from(out)).toEqual([1, 2]);
  });

  it('perturb moves the chosen slot along both directions, and writes nothing past the capacity', () => {
    const base = Float64Array.of(1, 2, 10, 20);
    const out = new Float64Array(2).fill(-7);
    perturb(out, base, 2, Float64Array.of(1, 0), Float64Array.of(0, 1), [3, 4], 2, 2);
    expect(Array.from(out)).toEqual([-7, -7]);
    perturb(out, base, 1, Float64Array.of(1, 0.5), Float64Array.of(-1, 2), [3, 4], 2, 2);
    // (10, 20) + 3·(1, 0.5) + 4·(−1, 2) = (9, 29.5)
    expect(Array.from(out)).toEqual([9, 29.5]);
  });

  it('projectRows gives the coordinates and squared distance of a known vector', () => {
    // dirX = (1, 0, 0), dirY = (0, 0.6, 0.8) orthonormal, n = (0, 0.8, −0.6) normal to both;
    // s − c = 3·dirX + 4·dirY + 2·n = (3, 4, 2), so x = 3, y = 4, ‖s − c‖² = 9 + 16 + 4 = 29.
    const center = Float64Array.of(1, -1, 2);
    const snapshots = Float64Array.of(4, 3, 4, 1, -1, 2);
    const out = new Float64Array(6);
    projectRows(out, snapshots, center, Float64Array.of(1, 0, 0), Float64Array.of(0, 0.6, 0.8), 3, 2);
    expect(out[0]).toBeCloseTo(3, 14);
    expect(out[1]).toBeCloseTo(4, 14);
    expect(out[2]).toBeCloseTo(29, 14);
    expect(Array.from(out.subarray(3))).toEqual([0, 0, 0]);
  });

  it('a combination of rows projects onto the rows as the Gram matrix times its coefficients', () => {
    // d = Σ_s u_s (s_s − o) gives ⟨s_t − o, d⟩ = (G·u)_t and ‖d‖² = uᵀ·G·u: the identity the PCA plane rests on.
    const P = 9;
    const capacity = 4;
    const rng = createRng(5);
    const origin = randomArray(rng, P);
    const snapshots = randomArray(rng, capacity * P);
    const u = randomArray(rng, capacity);
    const d = new Float64Array(P);
    combineRows(d, snapshots, origin, u, P, capacity, { accumulate: false });
    const gram = new Float64Array(capacity * capacity);
    for (let r = 0; r < capacity; r++) gramUpdate(gram, snapshots, snapshots.subarray(r * P, (r + 1) * P), origin, r, P, capacity, 0, capacity);
    const projection = new Float64Array(3 * capacity);
    projectRows(projection, snapshots, origin, d, d, P, capacity);
    let uGu = 0;
    for (let t = 0; t < capacity; t++) {
      let gu = 0;
      for (let s = 0; s < capacity; s++) gu += gram[t * capacity + s] * u[s];
      expect(projection[3 * t]).toBeCloseTo(gu, 12);
      expect(projection[3 * t + 1]).toBeCloseTo(gu, 12);
      uGu += u[t] * gu;
    }
    const projectionOfD = new Float64Array(3);
    const dPlusOrigin = d.map((value, i) => value + origin[i]);
    projectRows(projectionOfD, dPlusOrigin, origin, d, d, P, 1);
    expect(projectionOfD[2]).toBeCloseTo(uGu, 12);
  });

  it('a perturbed point projects back onto its own coordinates', () => {
    // Orthonormal dirX, dirY from Gram–Schmidt; the perturbation of the centre by (α, β) has coordinates (α, β) and ‖·‖² = α² + β².
    const P = 6;
    const rng = createRng(8);
    const center = randomArray(rng, P);
    const dirX = randomArray(rng, P);
    const dirY = randomArray(rng, P);
    const norm = (v: Float64Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
    const xNorm = norm(dirX);
    dirX.forEach((x, i, v) => (v[i] = x / xNorm));
    const along = dirY.reduce((sum, y, i) => sum + y * dirX[i], 0);
    dirY.forEach((y, i, v) => (v[i] = y - along * dirX[i]));
    const yNorm = norm(dirY);
    dirY.forEach((y, i, v) => (v[i] = y / yNorm));
    const point = new Float64Array(P);
    perturb(point, center, 0, dirX, dirY, [0.75, -1.25], P, 1);
    const out = new Float64Array(3);
    projectRows(out, point, center, dirX, dirY, P, 1);
    expect(out[0]).toBeCloseTo(0.75, 12);
    expect(out[1]).toBeCloseTo(-1.25, 12);
    expect(out[2]).toBeCloseTo(0.75 ** 2 + 1.25 ** 2, 12);
  });
});
