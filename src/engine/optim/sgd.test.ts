import { describe, expect, it } from 'vitest';
import { sgdSchema } from '../config/run-config';
import type { ModelGraph } from '../nn/graph';
import { GRAPH_INPUT } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { tinyGraph } from '../testing/tiny-graph';
import { createReferenceSgd } from './sgd.ref';

const sgd = (options: Record<string, unknown>) => sgdSchema.parse({ type: 'sgd', ...options });

/** A Linear(1, 2) model (four parameters) with every parameter set to `theta`. */
function linearModel(theta: number): ReferenceModel {
  const graph: ModelGraph = {
    preset: 'linear',
    task: 'image-classification',
    init: 'pytorch',
    inputShape: [1],
    classes: 2,
    output: 'logits',
    nodes: [{ op: 'linear', name: 'fc', input: GRAPH_INPUT, output: 'logits', inFeatures: 1, outFeatures: 2, bias: true }],
  };
  return new ReferenceModel(
    graph,
    1,
    new Map([
      ['fc.weight', [theta, theta]],
      ['fc.bias', [theta, theta]],
    ]),
  );
}

/** θ after each step, starting from θ = 1 with grad = 0.5 every step; every parameter must agree. */
function trajectory(options: Record<string, unknown>, lrs: number[]): number[] {
  const model = linearModel(1);
  for (const grad of model.grads.values()) grad.fill(0.5);
  const optimizer = createReferenceSgd(model, sgd(options));
  return lrs.map((lr, step) => {
    optimizer.step(step, lr);
    const values = [...model.params.values()].flatMap((param) => [...param]);
    for (const value of values) expect(value).toBe(values[0]);
    return values[0];
  });
}

function expectTrajectory(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value, `step ${i}`).toBeCloseTo(expected[i], 12));
}

describe('reference SGD (torch.optim.SGD semantics), θ = 1, grad = 0.5', () => {
  it('plain: θ -= lr * grad, with the lr given to each step', () => {
    expectTrajectory(trajectory({ lr: 0.1 }, [0.1, 0.1, 0.1]), [0.95, 0.9, 0.85]);
    expectTrajectory(trajectory({ lr: 0.1 }, [0.1, 0.2, 0]), [0.95, 0.85, 0.85]);
  });

  it('weight decay adds wd * θ to the gradient', () => {
    // g = 0.5 + 0.1 θ: 0.6 -> θ 0.94; 0.594 -> 0.8806; 0.58806 -> 0.821794
    expectTrajectory(trajectory({ lr: 0.1, weight_decay: 0.1 }, [0.1, 0.1, 0.1]), [0.94, 0.8806, 0.821794]);
  });

  it('momentum: buf = g at the first step, then momentum * buf + g', () => {
    // buf 0.5 -> θ 0.95; buf 0.45 + 0.5 = 0.95 -> θ 0.855; buf 0.855 + 0.5 = 1.355 -> θ 0.7195
    expectTrajectory(trajectory({ lr: 0.1, momentum: 0.9 }, [0.1, 0.1, 0.1]), [0.95, 0.855, 0.7195]);
  });

  it('dampening scales the new gradient after the first step only', () => {
    // buf 0.5 (undamped) -> θ 0.95; buf 0.45 + 0.5 * 0.5 = 0.7 -> θ 0.88; buf 0.63 + 0.25 = 0.88 -> θ 0.792
    expectTrajectory(trajectory({ lr: 0.1, momentum: 0.9, dampening: 0.5 }, [0.1, 0.1, 0.1]), [0.95, 0.88, 0.792]);
  });

  it('nesterov steps along g + momentum * buf', () => {
    // buf 0.5, g 0.5 + 0.45 = 0.95 -> θ 0.905; buf 0.95, g 0.5 + 0.855 = 1.355 -> θ 0.7695;
    // buf 1.355, g 0.5 + 1.2195 = 1.7195 -> θ 0.59755
    expectTrajectory(trajectory({ lr: 0.1, momentum: 0.9, nesterov: true }, [0.1, 0.1, 0.1]), [0.905, 0.7695, 0.59755]);
  });

  it('nesterov with weight decay', () => {
    // g 0.6, buf 0.6, g + 0.9 buf = 1.14 -> θ 0.886;
    // g 0.5 + 0.0886 = 0.5886, buf 0.54 + 0.5886 = 1.1286, g + 0.9 buf = 1.60434 -> θ 0.725566
    expectTrajectory(trajectory({ lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.1 }, [0.1, 0.1]), [0.886, 0.725566]);
  });

  it('momentum with weight decay and dampening', () => {
    // g 0.6, buf 0.6 -> θ 0.94; g 0.594, buf 0.54 + 0.75 * 0.594 = 0.9855 -> θ 0.84145
    expectTrajectory(trajectory({ lr: 0.1, momentum: 0.9, dampening: 0.25, weight_decay: 0.1 }, [0.1, 0.1]), [0.94, 0.84145]);
  });

  it('keeps a momentum buffer per trainable parameter only when momentum is set', () => {
    const model = linearModel(1);
    expect(createReferenceSgd(model, sgd({ lr: 0.1 })).momentumBuffers.size).toBe(0);
    const withMomentum = createReferenceSgd(model, sgd({ lr: 0.1, momentum: 0.9 }));
    expect([...withMomentum.momentumBuffers.keys()].sort()).toEqual(['fc.bias', 'fc.weight']);
    for (const grad of model.grads.values()) grad.fill(0.5);
    withMomentum.step(0, 0.1);
    withMomentum.step(1, 0.1);
    for (const buf of withMomentum.momentumBuffers.values()) expect([...buf]).toEqual([0.95, 0.95]);
  });

  it('rejects nesterov without momentum or with dampening, as PyTorch does', () => {
    const model = linearModel(1);
    expect(() => createReferenceSgd(model, sgd({ lr: 0.1, nesterov: true }))).toThrow(
      'SGD: Nesterov momentum requires momentum > 0 and dampening = 0 (got momentum 0, dampening 0)',
    );
    expect(() => createReferenceSgd(model, sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }))).toThrow(
      'dampening = 0 (got momentum 0.9, dampening 0.1)',
    );
    expect(() => createReferenceSgd(model, sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1 }))).not.toThrow();
  });

  it('rejects a negative or fractional step', () => {
    const optimizer = createReferenceSgd(linearModel(1), sgd({ lr: 0.1 }));
    expect(() => optimizer.step(-1, 0.1)).toThrow('SGD: step must be a whole number >= 0, got -1');
    expect(() => optimizer.step(1.5, 0.1)).toThrow('got 1.5');
  });

  it('updates every trainable parameter and leaves BatchNorm running statistics alone', () => {
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 3));
    const before = new Map([...model.params].map(([name, values]) => [name, values.slice()]));
    for (const grad of model.grads.values()) grad.fill(1);
    createReferenceSgd(model, sgd({ lr: 0.5, momentum: 0.9, weight_decay: 0.01 })).step(0, 0.5);
    for (const spec of model.specs) {
      const after = model.params.get(spec.name)!;
      const initial = before.get(spec.name)!;
      if (spec.trainable) {
        after.forEach((value, i) => expect(value).toBeCloseTo(initial[i] - 0.5 * (1 + 0.01 * initial[i]), 12));
      } else {
        expect([...after]).toEqual([...initial]);
      }
    }
  });
});
