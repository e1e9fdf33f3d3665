import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { batchNorm2dBackward, batchNorm2dForwardEval, batchNorm2dForwardTrain } from './batchnorm2d.ref';

const EPS = 1e-5;
const MOMENTUM = 0.1;

describe('batchnorm2d reference', () => {
  it('normalises two values per channel to -1 and 1 (up to eps)', () => {
    const out = new Float64Array(2);
    const mean = new Float64Array(1);
    const invStd = new Float64Array(1);
    const runningMean = Float64Array.of(0);
    const runningVar = Float64Array.of(1);
    batchNorm2dForwardTrain(out, mean, invStd, runningMean, runningVar, Float64Array.of(1, 3), Float64Array.of(1), Float64Array.of(0), 2, 1, 1, MOMENTUM, EPS);
    // mean 2, biased variance ((1-2)^2 + (3-2)^2) / 2 = 1, unbiased 2.
    const s = 1 / Math.sqrt(1 + EPS);
    expect(mean[0]).toBe(2);
    expect(invStd[0]).toBeCloseTo(s, 14);
    expect(out[0]).toBeCloseTo(-s, 14);
    expect(out[1]).toBeCloseTo(s, 14);
    expect(runningMean[0]).toBeCloseTo(0.9 * 0 + 0.1 * 2, 14);
    expect(runningVar[0]).toBeCloseTo(0.9 * 1 + 0.1 * 2, 14);
  });

  it('uses per-channel statistics across batch and space, with gamma and beta', () => {
    // B=2, C=2, HW=2. Channel 0 holds 0, 2 (b=0) and 4, 6 (b=1): mean 3, variance (9+1+1+9)/4 = 5.
    // Channel 1 holds 10, 10, 10, 14: mean 11, variance (1+1+1+9)/4 = 3.
    const inp = Float64Array.of(0, 2, 10, 10, 4, 6, 10, 14);
    const gamma = Float64Array.of(2, -1);
    const beta = Float64Array.of(1, 0.5);
    const out = new Float64Array(8);
    const mean = new Float64Array(2);
    const invStd = new Float64Array(2);
    const runningMean = Float64Array.of(1, -1);
    const runningVar = Float64Array.of(2, 4);
    batchNorm2dForwardTrain(out, mean, invStd, runningMean, runningVar, inp, gamma, beta, 2, 2, 2, MOMENTUM, EPS);
    const s0 = 1 / Math.sqrt(5 + EPS);
    const s1 = 1 / Math.sqrt(3 + EPS);
    const expected = [
      2 * -3 * s0 + 1,
      2 * -1 * s0 + 1,
      -1 * -1 * s1 + 0.5,
      -1 * -1 * s1 + 0.5,
      2 * 1 * s0 + 1,
      2 * 3 * s0 + 1,
      -1 * -1 * s1 + 0.5,
      -1 * 3 * s1 + 0.5,
    ];
    expected.forEach((value, i) => expect(out[i]).toBeCloseTo(value, 12));
    expect(Array.from(mean)).toEqual([3, 11]);
    expect(invStd[0]).toBeCloseTo(s0, 14);
    expect(invStd[1]).toBeCloseTo(s1, 14);
    // Unbiased variances 20/3 and 12/3 = 4.
    expect(runningMean[0]).toBeCloseTo(0.9 * 1 + 0.1 * 3, 14);
    expect(runningMean[1]).toBeCloseTo(0.9 * -1 + 0.1 * 11, 14);
    expect(runningVar[0]).toBeCloseTo(0.9 * 2 + 0.1 * (20 / 3), 14);
    expect(runningVar[1]).toBeCloseTo(0.9 * 4 + 0.1 * 4, 14);
  });

  it('moves the running statistics over two training steps', () => {
    // One channel, B=1, HW=3. Step 1: 0, 3, 6 (mean 3, unbiased variance 9). Step 2: 1, 1, 4
    // (mean 2, unbiased variance 3).
    const runningMean = Float64Array.of(0);
    const runningVar = Float64Array.of(1);
    const scratch = () => [new Float64Array(3), new Float64Array(1), new Float64Array(1)] as const;
    const one = Float64Array.of(1);
    const zero = Float64Array.of(0);
    batchNorm2dForwardTrain(...scratch(), runningMean, runningVar, Float64Array.of(0, 3, 6), one, zero, 1, 1, 3, MOMENTUM, EPS);
    batchNorm2dForwardTrain(...scratch(), runningMean, runningVar, Float64Array.of(1, 1, 4), one, zero, 1, 1, 3, MOMENTUM, EPS);
    expect(runningMean[0]).toBeCloseTo(0.9 * (0.9 * 0 + 0.1 * 3) + 0.1 * 2, 14); // 0.47
    expect(runningVar[0]).toBeCloseTo(0.9 * (0.9 * 1 + 0.1 * 9) + 0.1 * 3, 14); // 1.92
  });

  it('refuses to train on one value per channel', () => {
    const one = () => new Float64Array(1);
    expect(() => batchNorm2dForwardTrain(one(), one(), one(), one(), one(), one(), one(), one(), 1, 1, 1, MOMENTUM, EPS)).toThrow(
      'Expected more than 1 value per channel when training',
    );
  });

  it('eval mode normalises with the running statistics', () => {
    // B=2, C=2, HW=1: channel 0 with runningMean 2, runningVar 3; channel 1 with -1, 0.25.
    const out = new Float64Array(4);
    const inp = Float64Array.of(4, 0, 2, -3);
    batchNorm2dForwardEval(out, inp, Float64Array.of(2, 3), Float64Array.of(0.5, -1), Float64Array.of(2, -1), Float64Array.of(3, 0.25), 2, 2, 1, EPS);
    const s0 = 1 / Math.sqrt(3 + EPS);
    const s1 = 1 / Math.sqrt(0.25 + EPS);
    const expected = [2 * 2 * s0 + 0.5, 3 * 1 * s1 - 1, 2 * 0 * s0 + 0.5, 3 * -2 * s1 - 1];
    expected.forEach((value, i) => expect(out[i]).toBeCloseTo(value, 12));
  });

  // B, C, HW; the second has an input with a large mean, the third a single batch element.
  for (const [B, C, HW, offset] of [
    [2, 3, 4, 0],
    [3, 2, 5, 3],
    [1, 4, 6, 0],
  ] as const) {
    it(`backward matches central finite differences, B=${B} C=${C} HW=${HW}`, () => {
      const rng = createRng(B * 100 + C * 10 + HW);
      const n = B * C * HW;
      const inp = randomArray(rng, n).map((v) => v + offset);
      const gamma = randomArray(rng, C, 0.5, 1.5);
      const beta = randomArray(rng, C);
      const dOut = randomArray(rng, n);
      const out = new Float64Array(n);
      const mean = new Float64Array(C);
      const invStd = new Float64Array(C);
      const forward = () =>
        batchNorm2dForwardTrain(out, mean, invStd, new Float64Array(C), new Float64Array(C).fill(1), inp, gamma, beta, B, C, HW, MOMENTUM, EPS);
      forward();
      const dInp = new Float64Array(n);
      const dGamma = new Float64Array(C);
      const dBeta = new Float64Array(C);
      batchNorm2dBackward(dInp, dGamma, dBeta, dOut, inp, gamma, mean, invStd, B, C, HW, OVERWRITE_ALL);
      const loss = () => (forward(), weightedSum(out, dOut));
      for (const [label, analytic, x] of [
        ['dInp', dInp, inp],
        ['dGamma', dGamma, gamma],
        ['dBeta', dBeta, beta],
      ] as const) {
        const result = checkGradient(label, analytic, loss, x);
        expect(result.ok, result.report).toBe(true);
      }
    });
  }

  it('backward accumulates into existing gradients and skips a null dInp', () => {
    const rng = createRng(7);
    const [B, C, HW] = [2, 2, 3];
    const n = B * C * HW;
    const inp = randomArray(rng, n);
    const gamma = randomArray(rng, C);
    const dOut = randomArray(rng, n);
    const mean = new Float64Array(C);
    const invStd = new Float64Array(C);
    batchNorm2dForwardTrain(
      new Float64Array(n),
      mean,
      invStd,
      new Float64Array(C),
      new Float64Array(C),
      inp,
      gamma,
      new Float64Array(C),
      B,
      C,
      HW,
      MOMENTUM,
      EPS,
    );
    const fresh = [new Float64Array(n), new Float64Array(C), new Float64Array(C)] as const;
    batchNorm2dBackward(...fresh, dOut, inp, gamma, mean, invStd, B, C, HW, OVERWRITE_ALL);
    const previous = [randomArray(rng, n), randomArray(rng, C), randomArray(rng, C)] as const;
    const accumulated = previous.map((a) => a.slice()) as unknown as typeof fresh;
    batchNorm2dBackward(...accumulated, dOut, inp, gamma, mean, invStd, B, C, HW, ACCUMULATE_ALL);
    accumulated.forEach((values, k) => values.forEach((v, i) => expect(v).toBeCloseTo(previous[k][i] + fresh[k][i], 14)));
    const dGamma = previous[1].slice();
    const dBeta = previous[2].slice();
    batchNorm2dBackward(null, dGamma, dBeta, dOut, inp, gamma, mean, invStd, B, C, HW, ACCUMULATE_ALL);
    expect(Array.from(dGamma)).toEqual(Array.from(accumulated[1]));
    expect(Array.from(dBeta)).toEqual(Array.from(accumulated[2]));
  });
});
