import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { LAYER_NORM_EPS as EPS } from './layernorm-defaults';
import { layerNormBackward, layerNormForward } from './layernorm.ref';

describe('layernorm reference', () => {
  it('normalises the row [1, 2, 3, 4] with weight 1 and bias 0', () => {
    const out = new Float64Array(4);
    const mean = new Float64Array(1);
    const rstd = new Float64Array(1);
    layerNormForward(out, mean, rstd, Float64Array.of(1, 2, 3, 4), new Float64Array(4).fill(1), new Float64Array(4), 1, 4);
    // mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    const s = 1 / Math.sqrt(1.25 + EPS);
    expect(mean[0]).toBe(2.5);
    expect(rstd[0]).toBeCloseTo(s, 14);
    expect(s).toBeCloseTo(0.8944236, 7); // 1 / sqrt(1.25) = 0.8944272 without eps
    [-1.5, -0.5, 0.5, 1.5].forEach((d, i) => expect(out[i]).toBeCloseTo(d * s, 14));
    expect(out[0]).toBeCloseTo(-1.3416354, 7);
  });

  it('uses per-row statistics with per-column weight and bias', () => {
    // Row 0 as above; row 1 = 10, 10, 10, 14: mean 11, variance (1 + 1 + 1 + 9) / 4 = 3.
    const inp = Float64Array.of(1, 2, 3, 4, 10, 10, 10, 14);
    const weight = Float64Array.of(2, -1, 0.5, 1);
    const bias = Float64Array.of(1, 0, -1, 0.5);
    const out = new Float64Array(8);
    const mean = new Float64Array(2);
    const rstd = new Float64Array(2);
    layerNormForward(out, mean, rstd, inp, weight, bias, 2, 4);
    const s0 = 1 / Math.sqrt(1.25 + EPS);
    const s1 = 1 / Math.sqrt(3 + EPS);
    const expected = [
      2 * -1.5 * s0 + 1,
      -1 * -0.5 * s0,
      0.5 * 0.5 * s0 - 1,
      1 * 1.5 * s0 + 0.5,
      2 * -1 * s1 + 1,
      -1 * -1 * s1,
      0.5 * -1 * s1 - 1,
      1 * 3 * s1 + 0.5,
    ];
    expected.forEach((value, i) => expect(out[i]).toBeCloseTo(value, 12));
    expect(Array.from(mean)).toEqual([2.5, 11]);
    expect(rstd[0]).toBeCloseTo(s0, 14);
    expect(rstd[1]).toBeCloseTo(s1, 14);
  });

  it('without mean and rstd, or without bias, computes the same out', () => {
    const rng = createRng(3);
    const [N, C] = [3, 5];
    const inp = randomArray(rng, N * C);
    const weight = randomArray(rng, C);
    const bias = randomArray(rng, C);
    const full = new Float64Array(N * C);
    layerNormForward(full, new Float64Array(N), new Float64Array(N), inp, weight, bias, N, C);
    const evalOnly = new Float64Array(N * C);
    layerNormForward(evalOnly, null, null, inp, weight, bias, N, C);
    expect(Array.from(evalOnly)).toEqual(Array.from(full));
    const noBias = new Float64Array(N * C);
    layerNormForward(noBias, null, null, inp, weight, null, N, C);
    noBias.forEach((v, i) => expect(v).toBeCloseTo(full[i] - bias[i % C], 14));
  });

  it('one feature per row has variance 0, so out = bias and rstd = 1 / sqrt(eps)', () => {
    const out = new Float64Array(3);
    const mean = new Float64Array(3);
    const rstd = new Float64Array(3);
    layerNormForward(out, mean, rstd, Float64Array.of(-7, 0, 1e3), Float64Array.of(2), Float64Array.of(0.25), 3, 1);
    expect(Array.from(out)).toEqual([0.25, 0.25, 0.25]);
    expect(Array.from(mean)).toEqual([-7, 0, 1e3]);
    rstd.forEach((s) => expect(s).toBeCloseTo(1 / Math.sqrt(EPS), 10));
  });

  it('a custom eps enters rstd', () => {
    const out = new Float64Array(2);
    const rstd = new Float64Array(1);
    // mean 0, variance 1.
    layerNormForward(out, null, rstd, Float64Array.of(-1, 1), Float64Array.of(1, 1), null, 1, 2, 0.5);
    expect(rstd[0]).toBeCloseTo(1 / Math.sqrt(1.5), 14);
    expect(out[1]).toBeCloseTo(1 / Math.sqrt(1.5), 14);
  });

  // N, C, offset: one element (variance 0), one row, several rows, rows with a mean far from 0,
  // several one-feature rows.
  for (const [N, C, offset] of [
    [1, 1, 0],
    [1, 6, 0],
    [3, 4, 0],
    [4, 7, 5],
    [5, 1, 0],
  ] as const) {
    it(`backward matches central finite differences, N=${N} C=${C} offset=${offset}`, () => {
      const rng = createRng(N * 100 + C * 10 + offset);
      const inp = randomArray(rng, N * C).map((v) => v + offset);
      const weight = randomArray(rng, C, 0.5, 1.5);
      const bias = randomArray(rng, C);
      const dOut = randomArray(rng, N * C);
      const out = new Float64Array(N * C);
      const mean = new Float64Array(N);
      const rstd = new Float64Array(N);
      const forward = () => layerNormForward(out, mean, rstd, inp, weight, bias, N, C);
      forward();
      const dInp = new Float64Array(N * C);
      const dWeight = new Float64Array(C);
      const dBias = new Float64Array(C);
      layerNormBackward(dInp, dWeight, dBias, dOut, inp, weight, mean, rstd, N, C, OVERWRITE_ALL);
      const loss = () => (forward(), weightedSum(out, dOut));
      for (const [label, analytic, x] of [
        ['dInp', dInp, inp],
        ['dWeight', dWeight, weight],
        ['dBias', dBias, bias],
      ] as const) {
        const result = checkGradient(label, analytic, loss, x);
        expect(result.ok, result.report).toBe(true);
      }
      // Non-zero gradients, so the comparison above is not of zeros (dInp is 0 only when C = 1).
      expect(dBias.some((v) => v !== 0)).toBe(true);
      if (C > 1) expect(dInp.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }

  it('backward accumulates into existing gradients and skips null outputs', () => {
    const rng = createRng(7);
    const [N, C] = [3, 4];
    const inp = randomArray(rng, N * C);
    const weight = randomArray(rng, C);
    const dOut = randomArray(rng, N * C);
    const mean = new Float64Array(N);
    const rstd = new Float64Array(N);
    layerNormForward(new Float64Array(N * C), mean, rstd, inp, weight, null, N, C);
    const saved = [dOut, inp, weight, mean, rstd, N, C] as const;
    const fresh = [new Float64Array(N * C), new Float64Array(C), new Float64Array(C)] as const;
    layerNormBackward(...fresh, ...saved, OVERWRITE_ALL);
    const previous = [randomArray(rng, N * C), randomArray(rng, C), randomArray(rng, C)] as const;
    const accumulated = previous.map((a) => a.slice()) as unknown as typeof fresh;
    layerNormBackward(...accumulated, ...saved, ACCUMULATE_ALL);
    accumulated.forEach((values, k) => values.forEach((v, i) => expect(v).toBeCloseTo(previous[k][i] + fresh[k][i], 14)));
    // Each output alone gets the same values as with the others present.
    const dInp = previous[0].slice();
    layerNormBackward(dInp, null, null, ...saved, ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual(Array.from(accumulated[0]));
    const dWeight = previous[1].slice();
    layerNormBackward(null, dWeight, null, ...saved, ACCUMULATE_ALL);
    expect(Array.from(dWeight)).toEqual(Array.from(accumulated[1]));
    const dBias = previous[2].slice();
    layerNormBackward(null, null, dBias, ...saved, ACCUMULATE_ALL);
    expect(Array.from(dBias)).toEqual(Array.from(accumulated[2]));
  });
});
