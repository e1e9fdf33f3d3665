import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { conv2dOutputSize } from './conv2d-shape';
import { conv2dBackward, conv2dForward } from './conv2d.ref';

describe('conv2dOutputSize', () => {
  it('follows floor((size + 2 pad - K) / stride) + 1', () => {
    expect(conv2dOutputSize(5, 3, 1, 1)).toBe(5);
    expect(conv2dOutputSize(9, 3, 2, 0)).toBe(4);
    expect(conv2dOutputSize(6, 3, 2, 2)).toBe(4);
    expect(conv2dOutputSize(5, 1, 2, 0)).toBe(3);
    expect(conv2dOutputSize(3, 3, 1, 0)).toBe(1);
  });

  it('rejects a kernel larger than the padded input and invalid parameters', () => {
    expect(() => conv2dOutputSize(2, 5, 1, 1)).toThrow(/output size would be 0/);
    expect(() => conv2dOutputSize(4, 3, 0, 0)).toThrow(/stride/);
    expect(() => conv2dOutputSize(4, 3, 1, -1)).toThrow(/padding/);
  });
});

describe('conv2d reference forward', () => {
  // inp = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], weight = [[1, 2], [3, 4]].
  const inp = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
  const weight = Float64Array.of(1, 2, 3, 4);

  it('computes a 2x2 kernel over a 3x3 input, with bias', () => {
    const out = new Float64Array(4);
    conv2dForward(out, inp, weight, Float64Array.of(0.5), 1, 1, 3, 3, 1, 2, 1, 0);
    // [1*1 + 2*2 + 3*4 + 4*5, 1*2 + 2*3 + 3*5 + 4*6, 1*4 + 2*5 + 3*7 + 4*8, 1*5 + 2*6 + 3*8 + 4*9] + 0.5
    expect(Array.from(out)).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  it('applies stride 2 and zero padding 1', () => {
    const out = new Float64Array(4);
    conv2dForward(out, inp, weight, null, 1, 1, 3, 3, 1, 2, 2, 1);
    // Windows start at rows/cols -1 and 1: the top-left one sees only inp[0][0] under weight[1][1].
    // [1*4, 2*3 + 3*4, 4*2 + 7*4, 5*1 + 6*2 + 8*3 + 9*4]
    expect(Array.from(out)).toEqual([4, 18, 36, 77]);
  });

  it('mixes channels with a 1x1 kernel, per batch item', () => {
    // B=2, Cin=2, H=1, W=2, Cout=2: out[b, co, x] = sum_ci weight[co, ci] * inp[b, ci, x] + bias[co].
    const x = Float64Array.of(1, 2, 3, 4, /* b=1 */ 5, 6, 7, 8);
    const w = Float64Array.of(1, 10, -1, 2);
    const out = new Float64Array(8);
    conv2dForward(out, x, w, Float64Array.of(100, 0), 2, 2, 1, 2, 2, 1, 1, 0);
    expect(Array.from(out)).toEqual([100 + 1 + 30, 100 + 2 + 40, -1 + 6, -2 + 8, 100 + 5 + 70, 100 + 6 + 80, -5 + 14, -6 + 16]);
  });
});

// (B, Cin, H, W, Cout, K, stride, pad)
type Config = readonly [number, number, number, number, number, number, number, number];
const CONFIGS: readonly Config[] = [
  [1, 1, 5, 5, 1, 3, 1, 1],
  [2, 3, 8, 8, 4, 3, 1, 1],
  [1, 3, 7, 9, 5, 3, 2, 0],
  [3, 5, 6, 6, 7, 3, 2, 2],
  [2, 4, 5, 5, 3, 1, 2, 0],
  [1, 2, 9, 9, 3, 5, 1, 2],
];

describe('conv2d reference backward', () => {
  for (const config of CONFIGS) {
    const [B, Cin, H, W, Cout, K, stride, pad] = config;
    it(`matches central finite differences for (B, Cin, H, W, Cout, K, stride, pad) = (${config.join(', ')})`, () => {
      const rng = createRng(config.reduce((seed, v) => seed * 31 + v, 7));
      const Hout = conv2dOutputSize(H, K, stride, pad);
      const Wout = conv2dOutputSize(W, K, stride, pad);
      const inp = randomArray(rng, B * Cin * H * W);
      const weight = randomArray(rng, Cout * Cin * K * K);
      const bias = randomArray(rng, Cout);
      const dOut = randomArray(rng, B * Cout * Hout * Wout);
      const dInp = new Float64Array(inp.length);
      const dWeight = new Float64Array(weight.length);
      const dBias = new Float64Array(bias.length);
      conv2dBackward(dInp, dWeight, dBias, dOut, inp, weight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
      const out = new Float64Array(dOut.length);
      const loss = () => (conv2dForward(out, inp, weight, bias, B, Cin, H, W, Cout, K, stride, pad), weightedSum(out, dOut));
      for (const [name, analytic, x] of [
        ['dInp', dInp, inp],
        ['dWeight', dWeight, weight],
        ['dBias', dBias, bias],
      ] as const) {
        const result = checkGradient(name, analytic, loss, x);
        expect(result.ok, result.report).toBe(true);
      }
    });
  }

  it('skips null gradients and leaves the others unchanged by their absence', () => {
    const [B, Cin, H, W, Cout, K, stride, pad] = CONFIGS[2];
    const rng = createRng(5);
    const inp = randomArray(rng, B * Cin * H * W);
    const weight = randomArray(rng, Cout * Cin * K * K);
    const dOut = randomArray(rng, B * Cout * conv2dOutputSize(H, K, stride, pad) * conv2dOutputSize(W, K, stride, pad));
    const full = new Float64Array(weight.length);
    conv2dBackward(new Float64Array(inp.length), full, new Float64Array(Cout), dOut, inp, weight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
    const partial = new Float64Array(weight.length);
    conv2dBackward(null, partial, null, dOut, inp, weight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
    expect(Array.from(partial)).toEqual(Array.from(full));
  });

  it('accumulates into existing gradients', () => {
    // 1x1 input and kernel: out = w * x + b, so dx = w * d, dw = x * d, db = d.
    const dInp = Float64Array.of(1);
    const dWeight = Float64Array.of(2);
    const dBias = Float64Array.of(3);
    conv2dBackward(dInp, dWeight, dBias, Float64Array.of(10), Float64Array.of(4), Float64Array.of(5), 1, 1, 1, 1, 1, 1, 1, 0, ACCUMULATE_ALL);
    expect([dInp[0], dWeight[0], dBias[0]]).toEqual([1 + 50, 2 + 40, 3 + 10]);
  });
});
