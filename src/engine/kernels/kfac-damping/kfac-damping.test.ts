import { describe, expect, it } from 'vitest';
import { packDampingTable, type DampingEntry } from './kfac-damping-layout';
import { dampingSplit, kfacDamping, trace } from './kfac-damping.ref';

describe('kfacDamping (float64 reference)', () => {
  it('splits λ from the traces of matrices anywhere in one buffer', () => {
    // Layer 0: A = [[2, 1], [1, 2]] at 0, B = 0.5 I at 4 (π = 2, λ = 0.01 -> λ_A = 0.2, λ_B = 0.05).
    // Layer 1 (Woodbury): K = s·XXᵀ = [[3]] at 8 stands for an A of dim 3 (tr A / 3 = 1), B = [[4]]
    // at 9: π = sqrt(1 / 4) = 0.5, λ_A = 0.05, λ_B = 0.2.
    const factors = [2, 1, 1, 2, 0.5, 0, 0, 0.5, 3, 4];
    const entries: DampingEntry[] = [
      { aOffset: 0, aSide: 2, aDim: 2, bOffset: 4, bSide: 2, ridgeA: 0, ridgeB: 1 },
      { aOffset: 8, aSide: 1, aDim: 3, bOffset: 9, bSide: 1, ridgeA: 3, ridgeB: 2 },
    ];
    const ridges = new Float64Array(4);
    kfacDamping(ridges, factors, entries, 0.01);
    [0.2, 0.05, 0.2, 0.05].forEach((value, i) => expect(ridges[i], `ridge ${i}`).toBeCloseTo(value, 14));
  });

  it('packs two vec4u per layer', () => {
    expect([...packDampingTable([{ aOffset: 64, aSide: 5, aDim: 7, bOffset: 128, bSide: 3, ridgeA: 1, ridgeB: 2 }])]).toEqual([64, 5, 7, 1, 128, 3, 3, 2]);
  });

  it('trace walks the diagonal from an offset', () => {
    expect(trace([9, 1, 2, 3, 4], 2, 1)).toBe(5);
    expect(dampingSplit(4, 1, 1, 1, 1e-2)).toEqual({ lambdaA: 0.2, lambdaB: 0.05 });
  });
});
