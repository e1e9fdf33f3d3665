import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { linearBackward, linearForward } from './linear.ref';

// N=2, C=3, OC=2, worked out by hand below.
const inp = Float64Array.of(1, 2, 3, 4, 5, 6);
const weight = Float64Array.of(1, 0, -1, 0.5, 1, 2);
const bias = Float64Array.of(10, -1);

describe('linear reference', () => {
  it('forward computes inp @ weight^T + bias', () => {
    const out = new Float64Array(4);
    linearForward(out, inp, weight, bias, 2, 3, 2);
    // [1-3+10, 0.5+2+6-1; 4-6+10, 2+5+12-1]
    expect(Array.from(out)).toEqual([8, 7.5, 8, 18]);
    linearForward(out, inp, weight, null, 2, 3, 2);
    expect(Array.from(out)).toEqual([-2, 8.5, -2, 19]);
  });

  it('backward computes dOut @ weight, dOut^T @ inp and column sums of dOut', () => {
    const dOut = Float64Array.of(1, 0, 0, 2);
    const dInp = new Float64Array(6);
    const dWeight = new Float64Array(6);
    const dBias = new Float64Array(2);
    linearBackward(dInp, dWeight, dBias, dOut, inp, weight, 2, 3, 2, OVERWRITE_ALL);
    // Row 0 of dInp is 1 * weight[0], row 1 is 2 * weight[1]; dWeight[0] = 1 * inp[0], dWeight[1] = 2 * inp[1].
    expect(Array.from(dInp)).toEqual([1, 0, -1, 1, 2, 4]);
    expect(Array.from(dWeight)).toEqual([1, 2, 3, 8, 10, 12]);
    expect(Array.from(dBias)).toEqual([1, 2]);
  });

  for (const [N, C, OC] of [
    [1, 1, 1],
    [3, 4, 2],
    [5, 2, 7],
  ]) {
    it(`backward matches central finite differences, N=${N} C=${C} OC=${OC}`, () => {
      const rng = createRng(N * 100 + C * 10 + OC);
      const x = randomArray(rng, N * C);
      const w = randomArray(rng, OC * C);
      const b = randomArray(rng, OC);
      const dOut = randomArray(rng, N * OC);
      const dInp = new Float64Array(N * C);
      const dWeight = new Float64Array(OC * C);
      const dBias = new Float64Array(OC);
      linearBackward(dInp, dWeight, dBias, dOut, x, w, N, C, OC, OVERWRITE_ALL);
      const out = new Float64Array(N * OC);
      const loss = () => (linearForward(out, x, w, b, N, C, OC), weightedSum(out, dOut));
      for (const result of [checkGradient('dInp', dInp, loss, x), checkGradient('dWeight', dWeight, loss, w), checkGradient('dBias', dBias, loss, b)]) {
        expect(result.ok, result.report).toBe(true);
      }
    });
  }

  it('backward without dInp and dBias still computes dWeight', () => {
    const rng = createRng(7);
    const [N, C, OC] = [4, 3, 5];
    const x = randomArray(rng, N * C);
    const w = randomArray(rng, OC * C);
    const dOut = randomArray(rng, N * OC);
    const dWeight = new Float64Array(OC * C);
    linearBackward(null, dWeight, null, dOut, x, w, N, C, OC, OVERWRITE_ALL);
    const out = new Float64Array(N * OC);
    const loss = () => (linearForward(out, x, w, null, N, C, OC), weightedSum(out, dOut));
    const result = checkGradient('dWeight', dWeight, loss, w);
    expect(result.ok, result.report).toBe(true);
  });

  it('backward without dWeight (a frozen, tied table) still computes dInp', () => {
    const dOut = Float64Array.of(1, 0, 0, 2);
    const dInp = new Float64Array(6).fill(7);
    linearBackward(dInp, null, null, dOut, inp, weight, 2, 3, 2, OVERWRITE_ALL);
    expect(Array.from(dInp)).toEqual([1, 0, -1, 1, 2, 4]);
  });

  it('backward accumulates into existing gradients', () => {
    const dOut = Float64Array.of(1, 0, 0, 2);
    const dInp = new Float64Array(6).fill(1);
    const dWeight = new Float64Array(6).fill(-1);
    const dBias = Float64Array.of(5, 5);
    linearBackward(dInp, dWeight, dBias, dOut, inp, weight, 2, 3, 2, ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([2, 1, 0, 2, 3, 5]);
    expect(Array.from(dWeight)).toEqual([0, 1, 2, 7, 9, 11]);
    expect(Array.from(dBias)).toEqual([6, 7]);
  });
});
