import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { reluBackward, reluForward } from './relu.ref';

describe('relu reference', () => {
  it('clamps negatives to zero', () => {
    const out = new Float64Array(4);
    reluForward(out, Float64Array.of(-2, -0, 0.5, 3), 4);
    expect(Array.from(out)).toEqual([0, 0, 0.5, 3]);
  });

  it('backward matches central finite differences', () => {
    const rng = createRng(1);
    const n = 37;
    // Keep inputs away from the kink at 0, where the derivative is not defined.
    const inp = randomArray(rng, n).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
    const dOut = randomArray(rng, n);
    const dInp = new Float64Array(n);
    reluBackward(dInp, dOut, inp, n, OVERWRITE_ALL);
    const out = new Float64Array(n);
    const loss = () => (reluForward(out, inp, n), weightedSum(out, dOut));
    const result = checkGradient('dInp', dInp, loss, inp);
    expect(result.ok, result.report).toBe(true);
  });

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, 1);
    reluBackward(dInp, Float64Array.of(2, 2), Float64Array.of(1, -1), 2, ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([3, 1]);
  });
});
