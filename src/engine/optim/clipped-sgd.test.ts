import { describe, expect, it } from 'vitest';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { randomModelBatch } from '../nn/device-check';
import { tinyGraph } from '../testing/tiny-graph';
import { checkClip, clipGradNorm, createReferenceClippedSgd, tailSgdConfig } from './clipped-sgd.ref';
import { createReferenceSgd } from './sgd.ref';

describe('clipGradNorm (float64)', () => {
  it('scales every gradient by c / (||g|| + 1e-6) when the norm is above c', () => {
    // ||(3, 4, 0, 12)|| = 13.
    const a = Float64Array.of(3, 4);
    const b = Float64Array.of(0, 12);
    expect(clipGradNorm([a, b], 1)).toBe(13);
    const factor = 1 / (13 + 1e-6);
    expect([...a, ...b]).toEqual([3, 4, 0, 12].map((v) => v * factor));
  });

  it('leaves gradients whose norm is below c unchanged (factor 1), and zero gradients at zero', () => {
    const a = Float64Array.of(0.3, -0.4);
    expect(clipGradNorm([a], 1)).toBeCloseTo(0.5, 15);
    expect([...a]).toEqual([0.3, -0.4]);
    const zero = new Float64Array(3);
    expect(clipGradNorm([zero], 1)).toBe(0);
    expect([...zero]).toEqual([0, 0, 0]);
  });

  it('refuses a clip that is not > 0, naming the optimizer', () => {
    expect(() => checkClip('K-FAC', 0)).toThrow('K-FAC: clip must be > 0, got 0');
    expect(() => checkClip('Shampoo', -1)).toThrow('Shampoo: clip must be > 0, got -1');
  });
});

describe('createReferenceClippedSgd', () => {
  it('is clip_grad_norm_ then SGD with momentum, no dampening or Nesterov, coupled weight decay', () => {
    const graph = tinyGraph();
    const initial = initialParameters(graph, 2);
    const a = new ReferenceModel(graph, 2, initial);
    const b = new ReferenceModel(graph, 2, initial);
    const settings = { lr: 0.1, momentum: 0.9, weight_decay: 5e-4, clip: 0.05 };
    expect(tailSgdConfig(settings)).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 5e-4 });
    const tail = createReferenceClippedSgd(a, settings, 'test');
    const plain = createReferenceSgd(b, tailSgdConfig(settings));
    for (let step = 0; step < 3; step++) {
      const { inputs, labels } = randomModelBatch(step, graph, 2);
      for (const model of [a, b]) {
        model.forward(inputs, labels, true);
        model.backward();
      }
      tail.step(step, 0.1);
      // By hand on the twin: the same clip, then plain SGD.
      let squares = 0;
      for (const grad of b.grads.values()) for (const v of grad) squares += v * v;
      expect(tail.lastNorm).toBeCloseTo(Math.sqrt(squares), 12);
      expect(tail.lastNorm).toBeGreaterThan(settings.clip);
      const factor = Math.min(1, settings.clip / (Math.sqrt(squares) + 1e-6));
      for (const grad of b.grads.values()) for (let i = 0; i < grad.length; i++) grad[i] *= factor;
      plain.step(step, 0.1);
      for (const [name, values] of a.params) expect([...values], name).toEqual([...b.params.get(name)!]);
    }
  });
});
