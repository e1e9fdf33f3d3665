import { describe, expect, it } from 'vitest';
import { IGNORE_TARGET } from '../cross-entropy/cross-entropy-labels';
import { philoxUniform } from '../philox/philox.ref';
import { boundaryDistances, sampleLabels, sampleLabelsFromUniforms } from './sample-labels.ref';

describe('sampleLabelsFromUniforms (float64 inverse CDF)', () => {
  it('picks the class whose cumulative interval holds u, the upper boundary going to the next class', () => {
    // p = (1/4, 3/4): u in [0, 1/4) gives 0, u in [1/4, 1) gives 1.
    const logits = [0, Math.log(3)];
    const pick = (u: number) => sampleLabelsFromUniforms(logits, [0], [u], 1, 2)[0];
    expect([0, 0.1, 0.2499, 0.25, 0.6, 1 - 2 ** -24].map(pick)).toEqual([0, 0, 0, 1, 1, 1]);
    // Three classes (0.5, 0.25, 0.25), two rows with their own uniforms; a shift of the logits changes nothing.
    const three = [Math.log(2), 0, 0, 10 + Math.log(2), 10, 10];
    expect(Array.from(sampleLabelsFromUniforms(three, [1, 1], [0.6, 0.8], 2, 3))).toEqual([1, 2]);
  });

  it('keeps IGNORE_TARGET rows, never picks a class of probability 0, and takes 0 for one class or non-finite logits', () => {
    const logits = [0, 1, -2000, 0, 5, -2000, 0, 5, NaN];
    expect(Array.from(sampleLabelsFromUniforms(logits, [3, IGNORE_TARGET, 0], [0.5, 0.5, 0.5], 3, 3))).toEqual([1, IGNORE_TARGET, 0]);
    for (const u of [0, 0.3, 0.999999]) expect(sampleLabelsFromUniforms([-2000, 0, -2000], [0], [u], 1, 3)[0]).toBe(1);
    expect(Array.from(sampleLabelsFromUniforms([4, -1], [0, 0], [0.2, 0.9], 2, 1))).toEqual([0, 0]);
  });

  it('draws each class with its softmax probability (20000 rows, every count within 4 standard errors)', () => {
    const B = 20_000;
    const row = [0.3, -1, 2, 0.5, -0.2];
    const K = row.length;
    const logits = Array.from({ length: B }, () => row).flat();
    const labels = new Uint32Array(B);
    const drawn = sampleLabels(logits, labels, B, K, 123, 4, 17);
    expect(drawn).toEqual(sampleLabelsFromUniforms(logits, labels, philoxUniform(B, 123, 4, 17), B, K));
    const e = row.map(Math.exp);
    const total = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < K; k++) {
      const p = e[k] / total;
      const count = drawn.filter((y) => y === k).length;
      expect(Math.abs(count - B * p), `class ${k}: ${count} of ${B}, p = ${p}`).toBeLessThan(4 * Math.sqrt(B * p * (1 - p)));
    }
    // Another step draws other labels.
    expect(sampleLabels(logits, labels, B, K, 123, 4, 18)).not.toEqual(drawn);
  });

  it('measures per row how near u comes to a cumulative boundary', () => {
    const distances = boundaryDistances([0, Math.log(3), 0, 0, 0, 0, 1, 2, 3, 4], [0, IGNORE_TARGET, 0, 0], [0.26, 0.25, 0.7, 0.5], 4, 2);
    expect(distances[0]).toBeCloseTo(0.01, 12);
    expect(distances[1]).toBe(Infinity);
    expect(distances[2]).toBeCloseTo(0.2, 12);
    expect(distances[3]).toBeCloseTo(0.5 - 1 / (1 + Math.E), 12);
    expect(boundaryDistances([3], [0], [0.5], 1, 1)[0]).toBe(Infinity);
  });
});
