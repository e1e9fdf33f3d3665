import { describe, expect, it } from 'vitest';
import { klScale, notebookAverage, notebookBiasLine, notebookEigenScale, notebookGather, notebookScatter } from './kfac-notebook.ref';

describe('notebook K-FAC kernels (float64 references)', () => {
  it('averages the leading block of a factor with a bias row and column', () => {
    const M = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    notebookAverage(M, [2, 4, 4, 6], 2, 3, 0, 0.75);
    expect([...M]).toEqual([1.25, 1, 0, 1, 2.25, 0, 0, 0, 1]);
  });

  it('fills the bias row and column with scaled column sums and the corner with scale·rows', () => {
    const M = new Float64Array(9);
    // Patches [[1, 2], [3, 4]], scale 0.5, decay 0: sums (4, 6) -> 2, 3; corner 0.5·2 = 1.
    notebookBiasLine(M, [1, 2, 3, 4], 2, 2, 0, 0.5, 0);
    expect([...M]).toEqual([0, 0, 2, 0, 0, 3, 2, 3, 1]);
  });

  it('gathers [G_w | g_b], divides by d_g d_aᵀ + λ, and scatters ν·V back', () => {
    const grads = Float64Array.of(1, 2, 3, 4, 9, 5, 6);
    const block = { rows: 2, cols: 2, weightOffset: 0, biasOffset: 5 };
    const P = notebookGather(grads, block);
    expect([...P]).toEqual([1, 2, 5, 3, 4, 6]);
    notebookEigenScale(P, [1, 0], [2, 0.5, 0], 1);
    expect([...P]).toEqual([1 / 3, 2 / 1.5, 5, 3, 4, 6]);
    notebookScatter(grads, [1, 2, 3, 4, 5, 6], 0.5, block);
    expect([...grads]).toEqual([0.5, 1, 2, 2.5, 9, 1.5, 3]);
    expect([...notebookGather([7, 8], { rows: 1, cols: 2, weightOffset: 0, biasOffset: null })]).toEqual([7, 8]);
  });

  it('ν stays 1 when lr²·Σ⟨V, P⟩ is not positive', () => {
    expect(klScale(-1, 0.1, 1e-3)).toBe(1);
    expect(klScale(1, 1, 0.25)).toBe(0.5);
  });
});
