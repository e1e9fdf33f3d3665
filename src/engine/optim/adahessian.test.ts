import { describe, expect, it } from 'vitest';
import { adahessianSchema } from '../config/run-config';
import { philoxUniform } from '../kernels/philox/philox.ref';
import { randomModelBatch } from '../nn/device-check';
import { GRAPH_INPUT, type ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { createRng, randomArray } from '../random';
import { tinyGraph } from '../testing/tiny-graph';
import {
  adaHessianStepScalars,
  ADAHESSIAN_EPSILON,
  createReferenceAdaHessian,
  hessianDiagonal,
  hessianWindow,
  rademacher,
  type AdaHessianConfig,
} from './adahessian.ref';
import { maxAbs } from '../testing/max-error';

const adahessian = (options: Record<string, unknown>) => adahessianSchema.parse({ type: 'adahessian', ...options }) as AdaHessianConfig;

describe('AdaHessian pieces', () => {
  it("takes the authors' defaults and refuses a Hessian power outside (0, 1]", () => {
    expect(adahessian({ lr: 0.15 })).toEqual({ type: 'adahessian', lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 0, hessian_power: 1 });
    expect(() => adahessian({ lr: 0.15, hessian_power: 0 })).toThrow('must be in (0, 1]');
    expect(() => adahessian({ lr: 0.15, hessian_power: 1.5 })).toThrow('must be in (0, 1]');
  });

  it('computes the bias corrections with the Hessian power', () => {
    const config = adahessian({ lr: 0.1, hessian_power: 0.5, weight_decay: 0.01 });
    const { stepSize, invBiasCorrection2Pow, lrDecay } = adaHessianStepScalars(config, 2, 0.2);
    expect(stepSize).toBeCloseTo(0.2 / (1 - 0.9 ** 3), 15);
    expect(invBiasCorrection2Pow).toBeCloseTo(1 / Math.sqrt(1 - 0.999 ** 3) ** 0.5, 12);
    expect(lrDecay).toBeCloseTo(0.002, 15);
    expect(() => adaHessianStepScalars(config, 1.5, 0.1)).toThrow('AdaHessian: step must be a whole number >= 0, got 1.5');
  });

  it('averages |Hv| over the kernel window of a 4-D convolution weight, element by element otherwise', () => {
    expect(hessianWindow('conv.weight', [8, 3, 3, 3])).toBe(9);
    expect(hessianWindow('conv.weight', [8, 3, 1, 1])).toBe(1);
    expect(hessianWindow('fc.weight', [10, 64])).toBe(1);
    expect(hessianWindow('bn.bias', [4])).toBe(1);
    expect(() => hessianWindow('odd', [2, 3, 4])).toThrow(
      'AdaHessian: parameter "odd" has 3 dimensions; its Hessian diagonal is defined for tensors of at most 2 dimensions and 4-D convolution weights',
    );
    expect(Array.from(hessianDiagonal([1, -3, 2, -2, 0.5, 0.5], 2))).toEqual([2, 2, 2, 2, 0.5, 0.5]);
    expect(Array.from(hessianDiagonal([1, -3, 2], 1))).toEqual([1, 3, 2]);
  });

  it('draws Rademacher signs from the top bit of Philox words, per parameter and step', () => {
    const KEY = { seed: 5, stream: 3 };
    const v = rademacher(KEY, 2, 7, 10_001);
    expect(v.every((x) => x === 1 || x === -1)).toBe(true);
    // Standard error of the mean of n signs: 1 / sqrt(n) = 0.01.
    expect(Math.abs(v.reduce((a, b) => a + b, 0) / v.length)).toBeLessThan(0.04);
    // Counter (floor(j / 4), step, index, 0), key (seed, stream): for parameter 0 the counter is
    // philoxUniform's, and the top bit is the test u < 1/2.
    const uniforms = philoxUniform(64, KEY.seed, KEY.stream, 7);
    expect(Array.from(rademacher(KEY, 0, 7, 64))).toEqual(Array.from(uniforms, (u) => (u < 0.5 ? 1 : -1)));
    expect(rademacher(KEY, 2, 8, 64)).not.toEqual(rademacher(KEY, 2, 7, 64));
    expect(rademacher(KEY, 3, 7, 64)).not.toEqual(rademacher(KEY, 2, 7, 64));
    expect(rademacher({ seed: 6, stream: 3 }, 2, 7, 64)).not.toEqual(rademacher(KEY, 2, 7, 64));
    expect(rademacher({ seed: 5, stream: 4 }, 2, 7, 64)).not.toEqual(rademacher(KEY, 2, 7, 64));
    expect(rademacher(KEY, 2, 7, 10)).toEqual(v.slice(0, 10));
  });
});

/** One Linear layer into softmax cross-entropy, whose loss is smooth. */
function linearGraph(): ModelGraph {
  return {
    preset: 'linear-softmax',
    task: 'tabular-classification',
    init: 'pytorch',
    inputShape: [4],
    classes: 3,
    output: 'logits',
    nodes: [{ op: 'linear', name: 'fc', input: GRAPH_INPUT, output: 'logits', inFeatures: 4, outFeatures: 3, bias: true }],
  };
}

describe('the float64 AdaHessian twin', () => {
  it('takes the first step θ − lr (g / (D^k + eps) + wd θ), the bias corrections cancelling m̂ = g and v̂ = D²', () => {
    for (const power of [1, 0.5]) {
      const graph = linearGraph();
      const rng = createRng(3);
      const initial = new Map([
        ['fc.weight', randomArray(rng, 12)],
        ['fc.bias', randomArray(rng, 3)],
      ]);
      const model = new ReferenceModel(graph, 5, initial);
      model.forward(randomArray(rng, 20, -2, 2), [0, 1, 2, 0, 1], true);
      model.backward();
      const config = adahessian({ lr: 0.1, weight_decay: 0.05, hessian_power: power });
      const optimizer = createReferenceAdaHessian(model, config, { hessian: 'exact', randomness: { seed: 9, stream: 2 } });
      const before = new Map([...model.params].map(([name, values]) => [name, values.slice()]));
      const grads = new Map([...model.grads].map(([name, values]) => [name, values.slice()]));
      optimizer.step(0, 0.1);
      for (const [name, theta] of before) {
        const D = optimizer.hessianDiag.get(name)!;
        const expected = theta.map((x, i) => x - 0.1 * (grads.get(name)![i] / (D[i] ** power + 1e-4) + 0.05 * x));
        const got = model.params.get(name)!;
        got.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 13));
      }
      // D is |Hv| for the step's Rademacher vector, keyed by the run's seed and index.
      expect(Array.from(optimizer.lastDirection.get('fc.bias')!)).toEqual(Array.from(rademacher({ seed: 9, stream: 2 }, 1, 0, 3)));
      expect(maxAbs(optimizer.hessianDiag.get('fc.weight')!)).toBeGreaterThan(1e-2);
    }
  });

  it('takes the same D from its central difference as from the exact Hessian-vector product, up to the ε² term', () => {
    const graph = tinyGraph();
    const initial = initialParameters(graph, 4);
    const { inputs, labels } = randomModelBatch(5, graph, 3);
    const diagonals = (['central-difference', 'exact'] as const).map((hessian) => {
      const model = new ReferenceModel(graph, 3, initial);
      model.forward(inputs, labels, true);
      model.backward();
      const optimizer = createReferenceAdaHessian(model, adahessian({ lr: 0.01 }), { hessian });
      optimizer.step(0, 0.01);
      expect(optimizer.epsilon).toBe(ADAHESSIAN_EPSILON);
      return optimizer.hessianDiag;
    });
    const scale = Math.max(...[...diagonals[1].values()].map(maxAbs));
    let error = 0;
    for (const [name, exact] of diagonals[1]) {
      const central = diagonals[0].get(name)!;
      for (let i = 0; i < exact.length; i++) error = Math.max(error, Math.abs(central[i] - exact[i]));
    }
    // Measured 9.4e-7 of the largest D: the truncation of the frozen piece at ε = 2^-13, in float64.
    expect(error / scale).toBeLessThan(1e-5);
    expect(scale).toBeGreaterThan(0.1);
  });
});
