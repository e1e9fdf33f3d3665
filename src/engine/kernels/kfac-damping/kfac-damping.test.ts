import { describe, expect, it } from 'vitest';
import { DAMPING_ENTRY_WORDS, NO_KERNEL_RIDGE, packDampingTable, type DampingEntry } from './kfac-damping-layout';
import { dampingSplit, kfacDamping, trace } from './kfac-damping.ref';

describe('kfacDamping (float64 reference)', () => {
  it('splits λ from the traces of matrices anywhere in one buffer, and writes the Woodbury kernel ridge', () => {
    // Layer 0: A = [[2, 1], [1, 2]] at 0, B = 0.5 I at 4 (π = 2, λ = 0.01 -> λ_A = 0.2, λ_B = 0.05).
    // Layer 1 (Woodbury): K = XXᵀ = [[6]] at 8 with tr A = 0.5 · 6 over dim A = 3 -> 1, B = [[4]]
    // at 9: π = sqrt(1 / 4) = 0.5, λ_A = 0.05, λ_B = 0.2, kernel ridge λ_A / 0.5 = 0.1.
    const factors = [2, 1, 1, 2, 0.5, 0, 0, 0.5, 6, 4];
    const entries: DampingEntry[] = [
      { aOffset: 0, aSide: 2, aDim: 2, traceScaleA: 1, bOffset: 4, bSide: 2, bDim: 2, ridgeA: 0, ridgeB: 1, kernelRidge: null, kernelRidgeScale: 1 },
      { aOffset: 8, aSide: 1, aDim: 3, traceScaleA: 0.5, bOffset: 9, bSide: 1, bDim: 1, ridgeA: 2, ridgeB: 3, kernelRidge: 4, kernelRidgeScale: 2 },
    ];
    const ridges = new Float64Array(5);
    kfacDamping(ridges, factors, entries, 0.01);
    [0.2, 0.05, 0.05, 0.2, 0.1].forEach((value, i) => expect(ridges[i], `ridge ${i}`).toBeCloseTo(value, 14));
  });

  it('packs three vec4u per layer with the scales as float32 bits and 0xFFFFFFFF for no kernel ridge', () => {
    const words = packDampingTable([
      { aOffset: 64, aSide: 5, aDim: 7, traceScaleA: 0.5, bOffset: 128, bSide: 3, bDim: 3, ridgeA: 1, ridgeB: 2, kernelRidge: null, kernelRidgeScale: 1 },
    ]);
    expect(words.length).toBe(DAMPING_ENTRY_WORDS);
    const floats = new Float32Array(words.buffer);
    expect([words[0], words[1], words[2], floats[3], words[4], words[5], words[6], words[8], words[9], words[10], floats[11]]).toEqual([
      64,
      5,
      7,
      0.5,
      128,
      3,
      3,
      1,
      2,
      NO_KERNEL_RIDGE,
      1,
    ]);
  });

  it('trace walks the diagonal from an offset', () => {
    expect(trace([9, 1, 2, 3, 4], 2, 1)).toBe(5);
    expect(dampingSplit(4, 1, 1, 1, 1e-2)).toEqual({ lambdaA: 0.2, lambdaB: 0.05 });
  });
});
