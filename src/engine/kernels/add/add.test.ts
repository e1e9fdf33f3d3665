import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { addBackward, addForward } from './add.ref';

describe('add reference', () => {
  it('adds element-wise', () => {
    const out = new Float64Array(3);
    addForward(out, Float64Array.of(1, -2, 0.5), Float64Array.of(3, 2, 0.25), 3);
    expect(Array.from(out)).toEqual([4, 0, 0.75]);
  });

  for (const n of [1, 7, 33]) {
    it(`backward matches central finite differences for dA and dB, n=${n}`, () => {
      const rng = createRng(n);
      const a = randomArray(rng, n);
      const b = randomArray(rng, n);
      const dOut = randomArray(rng, n);
      const dA = new Float64Array(n);
      const dB = new Float64Array(n);
      addBackward(dA, dB, dOut, n, { accumulateA: false, accumulateB: false });
      const out = new Float64Array(n);
      const loss = () => (addForward(out, a, b, n), weightedSum(out, dOut));
      for (const [name, analytic, x] of [
        ['dA', dA, a],
        ['dB', dB, b],
      ] as const) {
        const result = checkGradient(name, analytic, loss, x);
        expect(result.ok, result.report).toBe(true);
      }
    });
  }

  it('backward accumulates into existing gradients and skips a null one', () => {
    const dA = Float64Array.of(1, 2);
    const dB = Float64Array.of(-1, 0);
    addBackward(dA, dB, Float64Array.of(3, 4), 2, { accumulateA: true, accumulateB: true });
    expect(Array.from(dA)).toEqual([4, 6]);
    expect(Array.from(dB)).toEqual([2, 4]);
    addBackward(null, dB, Float64Array.of(1, 1), 2, { accumulateA: true, accumulateB: true });
    expect(Array.from(dA)).toEqual([4, 6]);
    expect(Array.from(dB)).toEqual([3, 5]);
  });
});
