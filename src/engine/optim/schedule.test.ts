import { describe, expect, it } from 'vitest';
import { learningRate } from './schedule';

const constant = { type: 'constant' as const, warmup_steps: 0, final_fraction: 0 };
const cosine = { type: 'cosine' as const, warmup_steps: 0, final_fraction: 0 };

describe('learningRate', () => {
  it('is constant without warm-up', () => {
    expect(learningRate(constant, 0.1, 0, 100)).toBe(0.1);
    expect(learningRate(constant, 0.1, 99, 100)).toBe(0.1);
  });

  it('warms up linearly to lr over warmup_steps', () => {
    const schedule = { ...constant, warmup_steps: 4 };
    expect([0, 1, 2, 3, 4].map((s) => learningRate(schedule, 1, s, 100))).toEqual([0.25, 0.5, 0.75, 1, 1]);
  });

  it('anneals like PyTorch CosineAnnealingLR(T_max = total steps)', () => {
    const total = 10;
    for (const step of [0, 3, 5, 9]) {
      expect(learningRate(cosine, 0.2, step, total)).toBeCloseTo((0.2 * (1 + Math.cos((Math.PI * step) / total))) / 2, 12);
    }
    expect(learningRate(cosine, 0.2, 5, total)).toBeCloseTo(0.1, 12);
    expect(learningRate({ ...cosine, final_fraction: 0.1 }, 1, 10, total)).toBeCloseTo(0.1, 12);
  });

  it('starts the cosine after the warm-up', () => {
    const schedule = { ...cosine, warmup_steps: 10 };
    expect(learningRate(schedule, 1, 10, 110)).toBe(1);
    expect(learningRate(schedule, 1, 60, 110)).toBeCloseTo(0.5, 12);
  });
});
