import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { softmaxBackward, softmaxForward } from './softmax.ref';

describe('softmax reference', () => {
  it('gives exp(x) / sum exp(x) for the row [0, ln 2, ln 3, ln 4]', () => {
    // exp gives 1, 2, 3, 4: probabilities 0.1, 0.2, 0.3, 0.4.
    const out = new Float64Array(4);
    softmaxForward(out, Float64Array.of(0, Math.log(2), Math.log(3), Math.log(4)), 1, 4);
    [0.1, 0.2, 0.3, 0.4].forEach((p, i) => expect(out[i]).toBeCloseTo(p, 15));
  });

  it('normalises each row on its own and ignores a constant added to a row', () => {
    const out = new Float64Array(6);
    // Row 1 is row 0 plus 1000, where a softmax without the max subtraction gives Infinity / Infinity.
    softmaxForward(out, Float64Array.of(1, 2, 3, 1001, 1002, 1003), 2, 3);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const sum = e[0] + e[1] + e[2];
    e.forEach((v, i) => {
      expect(out[i]).toBeCloseTo(v / sum, 15);
      expect(out[3 + i]).toBeCloseTo(v / sum, 15);
    });
    expect(out[0] + out[1] + out[2]).toBeCloseTo(1, 15);
  });

  it('gives 1 for a row of one value and a uniform row for equal values', () => {
    const out = new Float64Array(3);
    softmaxForward(out, Float64Array.of(-7, 1e30, 5), 3, 1);
    expect(Array.from(out)).toEqual([1, 1, 1]);
    const uniform = new Float64Array(4);
    softmaxForward(uniform, new Float64Array(4).fill(-3), 1, 4);
    expect(Array.from(uniform)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  // N, C, scale: one value per row (gradient 0), the Iris model's 3 classes, a longer row, large logits.
  for (const [N, C, scale] of [
    [3, 1, 1],
    [4, 3, 1],
    [2, 17, 2],
    [3, 5, 30],
  ] as const) {
    it(`backward matches central finite differences, N=${N} C=${C} logits in [-${scale}, ${scale}]`, () => {
      const rng = createRng(N * 100 + C * 10 + scale);
      const inp = randomArray(rng, N * C, -scale, scale);
      const dOut = randomArray(rng, N * C);
      const out = new Float64Array(N * C);
      softmaxForward(out, inp, N, C);
      const dInp = new Float64Array(N * C);
      softmaxBackward(dInp, dOut, out, N, C, OVERWRITE_ALL);
      const probe = new Float64Array(N * C);
      const loss = () => (softmaxForward(probe, inp, N, C), weightedSum(probe, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
      // The gradient of each row sums to 0 (a constant added to a row changes nothing), and is not all 0.
      for (let n = 0; n < N; n++) expect(Math.abs(dInp.subarray(n * C, n * C + C).reduce((a, b) => a + b, 0))).toBeLessThan(1e-14);
      if (C > 1) expect(dInp.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }

  it('backward adds into dInp or overwrites it, as told', () => {
    const out = Float64Array.of(0.25, 0.75);
    const dOut = Float64Array.of(1, 0);
    // <dOut, out> = 0.25: dInp = [0.25 * 0.75, 0.75 * -0.25] = [0.1875, -0.1875].
    const overwritten = Float64Array.of(5, 5);
    softmaxBackward(overwritten, dOut, out, 1, 2, OVERWRITE_ALL);
    expect(Array.from(overwritten)).toEqual([0.1875, -0.1875]);
    const accumulated = Float64Array.of(5, 5);
    softmaxBackward(accumulated, dOut, out, 1, 2, ACCUMULATE_ALL);
    expect(Array.from(accumulated)).toEqual([5.1875, 4.8125]);
  });
});
