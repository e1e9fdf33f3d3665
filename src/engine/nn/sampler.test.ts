import { describe, expect, it } from 'vitest';
import { checkSampleOptions, pickToken } from './sampler';

const logits = Float32Array.of(1, 3, 2, -1);

describe('pickToken', () => {
  it('takes the arg-max at temperature 0', () => {
    expect(pickToken(logits, 0, 0, 0.99)).toBe(1);
  });

  it('draws by softmax(logits / T) over the k most likely tokens', () => {
    // Top-2 keeps tokens 1 and 2 with weights e^0 and e^-1 at T = 1: P(1) = 1 / (1 + e^-1) ≈ 0.731.
    expect(pickToken(logits, 1, 2, 0.73)).toBe(1);
    expect(pickToken(logits, 1, 2, 0.74)).toBe(2);
    // All four tokens: the cumulative weights, in order 1, 2, 0, 3.
    const weights = [1, Math.exp(-1), Math.exp(-2), Math.exp(-4)];
    const total = weights.reduce((a, b) => a + b, 0);
    expect(pickToken(logits, 1, 0, (weights[0] + weights[1] + 0.5 * weights[2]) / total)).toBe(0);
    expect(pickToken(logits, 1, 0, 0.9999)).toBe(3);
  });

  it('sharpens with a low temperature and flattens with a high one', () => {
    const draws = (temperature: number) => Array.from({ length: 100 }, (_, i) => pickToken(logits, temperature, 0, (i + 0.5) / 100));
    const share = (temperature: number) => draws(temperature).filter((token) => token === 1).length;
    expect(share(0.2)).toBeGreaterThan(95);
    expect(share(5)).toBeLessThan(40);
  });
});

describe('checkSampleOptions', () => {
  it('names every bad value', () => {
    expect(() => checkSampleOptions({ tokens: 0, temperature: -1, topK: 1.5, seed: 0 })).toThrow(
      /tokens must be .* got 0; temperature must be in \[0, 10\], got -1; top-k must be a whole number >= 0, got 1.5/,
    );
    expect(() => checkSampleOptions({ tokens: 5, temperature: 0.8, topK: 40, seed: 0 })).not.toThrow();
  });
});
