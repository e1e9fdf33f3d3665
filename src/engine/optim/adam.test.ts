import { describe, expect, it } from 'vitest';
import { adamSchema } from '../config/run-config';
import type { ModelGraph } from '../nn/graph';
import { GRAPH_INPUT } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { tinyGraph } from '../testing/tiny-graph';
import { adamStepScalars, createReferenceAdam } from './adam.ref';

const adam = (options: Record<string, unknown>, type: 'adam' | 'adamw' = 'adam') => adamSchema.parse({ type, ...options });

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

/** θ, m and v after each step from θ = 1, with the given gradient at each step and lr 0.01. */
function trajectory(options: Record<string, unknown>, grads: number[], type: 'adam' | 'adamw' = 'adam') {
  const model = linearModel(1);
  const optimizer = createReferenceAdam(model, adam({ lr: 0.01, ...options }, type));
  return grads.map((g, step) => {
    for (const grad of model.grads.values()) grad.fill(g);
    optimizer.step(step, 0.01);
    const values = [...model.params.values()].flatMap((param) => [...param]);
    for (const value of values) expect(value).toBe(values[0]);
    return { theta: values[0], m: optimizer.expAvg.get('fc.weight')![0], v: optimizer.expAvgSq.get('fc.weight')![0] };
  });
}

describe('reference Adam and AdamW (torch.optim semantics), θ = 1, lr = 0.01, betas (0.9, 0.999), eps 1e-8', () => {
  it('Adam: moments, bias corrections and the step, by hand', () => {
    const [s1, s2, s3] = trajectory({}, [0.5, -0.25, 0.5]);
    // t=1: m 0.05, v 0.00025; m̂ = 0.05/0.1 = 0.5, sqrt(v̂) = sqrt(0.00025/0.001) = 0.5
    //      θ = 1 - 0.01 * 0.5 / (0.5 + 1e-8) = 0.9900000002
    expect(s1.m).toBeCloseTo(0.05, 15);
    expect(s1.v).toBeCloseTo(0.00025, 15);
    expect(s1.theta).toBeCloseTo(0.9900000002, 12);
    // t=2: m 0.045 - 0.025 = 0.02, v 0.00024975 + 0.0000625 = 0.00031225;
    //      m̂ = 0.02/0.19 = 0.1052632, sqrt(v̂) = sqrt(0.00031225/0.001999) = 0.3952255
    //      θ = 0.9900000002 - 0.01 * 0.1052632 / 0.3952255 = 0.98733663
    expect(s2.m).toBeCloseTo(0.02, 15);
    expect(s2.v).toBeCloseTo(0.00031225, 15);
    expect(s2.theta).toBeCloseTo(0.9873366299, 9);
    // t=3: m 0.018 + 0.05 = 0.068, v 0.00031193775 + 0.00025 = 0.00056193775;
    //      m̂ = 0.068/0.271 = 0.2509225, sqrt(v̂) = sqrt(0.00056193775/0.002997001) = 0.4330157
    //      θ = 0.98733663 - 0.01 * 0.2509225 / 0.4330157 = 0.98154182
    expect(s3.m).toBeCloseTo(0.068, 15);
    expect(s3.v).toBeCloseTo(0.00056193775, 15);
    expect(s3.theta).toBeCloseTo(0.9815418232, 9);
  });

  it("Adam's first step moves each parameter by about lr * sign(g), whatever |g|", () => {
    const model = linearModel(1);
    const grads = [0.5, -3, 1e-3, -1e-4];
    model.grads.get('fc.weight')!.set(grads.slice(0, 2));
    model.grads.get('fc.bias')!.set(grads.slice(2));
    createReferenceAdam(model, adam({ lr: 0.01 })).step(0, 0.01);
    const after = [...model.params.get('fc.weight')!, ...model.params.get('fc.bias')!];
    // |step| = lr * |g| / (|g| + eps): within lr * 1e-4 of lr for |g| >= 1e-4.
    after.forEach((theta, i) => expect(Math.abs(theta - (1 - 0.01 * Math.sign(grads[i])))).toBeLessThan(0.01 * 1.01e-4));
  });

  it('bias correction makes a constant gradient move θ by lr at every step', () => {
    const steps = trajectory({}, [0.5, 0.5, 0.5, 0.5]);
    // m̂ = g and v̂ = g² exactly, so each step is lr * 0.5 / (0.5 + 1e-8).
    steps.forEach(({ theta }, i) => expect(theta).toBeCloseTo(1 - (i + 1) * 0.01 * (0.5 / (0.5 + 1e-8)), 12));
  });

  it('Adam with weight decay adds wd * θ to the gradient (coupled L2)', () => {
    const [s1, s2] = trajectory({ weight_decay: 0.1 }, [0.5, 0.5]);
    // t=1: g = 0.5 + 0.1 = 0.6, m 0.06, v 0.00036; step = 0.01 * 0.6 / (0.6 + 1e-8) -> θ 0.9900000001667
    expect(s1.m).toBeCloseTo(0.06, 15);
    expect(s1.v).toBeCloseTo(0.00036, 15);
    expect(s1.theta).toBeCloseTo(0.9900000001667, 12);
    // t=2: g = 0.5 + 0.1 * 0.99 = 0.599, m 0.054 + 0.0599 = 0.1139, v 0.00035964 + 0.000358801 = 0.000718441;
    //      m̂ = 0.1139/0.19 = 0.5994737, sqrt(v̂) = sqrt(0.000718441/0.001999) = 0.5995000
    //      θ = 0.99 - 0.01 * 0.5994737 / 0.5995000 = 0.98000044
    expect(s2.m).toBeCloseTo(0.1139, 10);
    expect(s2.v).toBeCloseTo(0.000718441, 12);
    expect(s2.theta).toBeCloseTo(0.9800004386, 9);
  });

  it('AdamW decays θ by (1 - lr * wd) first and keeps the decay out of the moments', () => {
    const [s1, s2] = trajectory({ weight_decay: 0.1 }, [0.5, 0.5], 'adamw');
    // t=1: θ = 1 * (1 - 0.001) = 0.999, then m 0.05, v 0.00025, step ≈ 0.01 -> 0.9890000002
    expect(s1.m).toBeCloseTo(0.05, 15);
    expect(s1.v).toBeCloseTo(0.00025, 15);
    expect(s1.theta).toBeCloseTo(0.9890000002, 12);
    // t=2: θ = 0.9890000002 * 0.999 = 0.9880110002, m 0.095, v 0.00049975, m̂ = 0.5, sqrt(v̂) = 0.5
    //      -> θ = 0.9880110002 - 0.01 * 0.5 / (0.5 + 1e-8) = 0.9780110004
    expect(s2.m).toBeCloseTo(0.095, 15);
    expect(s2.v).toBeCloseTo(0.00049975, 15);
    expect(s2.theta).toBeCloseTo(0.9780110004, 12);
  });

  it('per-step scalars: bias corrections at t = step + 1, decay only for AdamW', () => {
    const a = adamStepScalars(adam({ lr: 0.01, weight_decay: 0.1 }), 2, 0.02);
    expect(a.stepSize).toBeCloseTo(0.02 / 0.271, 15);
    expect(a.biasCorrection2Sqrt).toBeCloseTo(Math.sqrt(0.002997001), 15);
    expect(a.coupledDecay).toBe(0.1);
    expect(a.decay).toBe(1);
    const w = adamStepScalars(adam({ lr: 0.01, weight_decay: 0.1 }, 'adamw'), 0, 0.02);
    expect(w.stepSize).toBeCloseTo(0.2, 15);
    expect(w.coupledDecay).toBe(0);
    expect(w.decay).toBeCloseTo(0.998, 15);
    expect(() => adamStepScalars(adam({ lr: 0.01 }), -1, 0.01)).toThrow('Adam: step must be a whole number >= 0, got -1');
  });

  it('updates every trainable parameter and leaves BatchNorm running statistics alone', () => {
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 3));
    const before = new Map([...model.params].map(([name, values]) => [name, values.slice()]));
    for (const grad of model.grads.values()) grad.fill(-2);
    const optimizer = createReferenceAdam(model, adam({ lr: 0.01, weight_decay: 0.1 }, 'adamw'));
    optimizer.step(0, 0.01);
    expect([...optimizer.expAvg.keys()].sort()).toEqual([...model.grads.keys()].sort());
    for (const spec of model.specs) {
      const after = model.params.get(spec.name)!;
      const initial = before.get(spec.name)!;
      if (spec.trainable) {
        after.forEach((value, i) => expect(value).toBeCloseTo(initial[i] * 0.999 + 0.01 * (2 / (2 + 1e-8)), 12));
      } else {
        expect([...after]).toEqual([...initial]);
      }
    }
  });
});
