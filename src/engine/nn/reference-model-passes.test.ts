import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../random';
import { tinyGpt, tinyGraph } from '../testing/tiny-graph';
import { randomModelBatch } from './device-check';
import { GRAPH_INPUT, type ModelGraph } from './graph';
import { initialParameters } from './parameters';
import { ReferenceModel } from './reference-model';
import { maxAbs } from '../testing/max-error';

/** max over tensors of max |a - b|, over the largest |b| of all tensors. */
function relativeError(actual: ReadonlyMap<string, ArrayLike<number>>, expected: ReadonlyMap<string, ArrayLike<number>>): number {
  let diff = 0;
  let scale = 0;
  for (const [name, values] of expected) {
    const got = actual.get(name)!;
    scale = Math.max(scale, maxAbs(values));
    for (let i = 0; i < values.length; i++) diff = Math.max(diff, Math.abs(got[i] - values[i]));
  }
  return diff / scale;
}

function dot(a: ReadonlyMap<string, ArrayLike<number>>, b: ReadonlyMap<string, ArrayLike<number>>): number {
  let sum = 0;
  for (const [name, values] of a) {
    const other = b.get(name)!;
    for (let i = 0; i < values.length; i++) sum += values[i] * other[i];
  }
  return sum;
}

function rademacher(model: ReferenceModel, seed: number): Map<string, Float64Array> {
  const rng = createRng(seed);
  return new Map([...model.grads].map(([name, grad]) => [name, Float64Array.from(grad, () => (rng.next() < 0.5 ? -1 : 1))]));
}

const copy = (values: ReadonlyMap<string, Float64Array>) => new Map([...values].map(([name, v]) => [name, v.slice()]));

/** One Linear layer (with bias) into softmax cross-entropy: its Hessian has a closed form. */
function linearGraph(inFeatures: number, classes: number): ModelGraph {
  return {
    preset: 'linear-softmax',
    task: 'tabular-classification',
    init: 'pytorch',
    inputShape: [inFeatures],
    classes,
    output: 'logits',
    nodes: [{ op: 'linear', name: 'fc', input: GRAPH_INPUT, output: 'logits', inFeatures, outFeatures: classes, bias: true }],
  };
}

/**
 * H of the mean softmax cross-entropy of logits W x + b: with x̃ = (x, 1) and p = softmax,
 * H = (1/B) Σ_n (diag p − p pᵀ) ⊗ (x̃ x̃ᵀ) over the indices (o, i), where i = F is the bias. Returns H v.
 */
function analyticHv(x: Float64Array, probs: Float64Array, B: number, F: number, K: number, vWeight: Float64Array, vBias: Float64Array) {
  const hvWeight = new Float64Array(K * F);
  const hvBias = new Float64Array(K);
  for (let n = 0; n < B; n++) {
    const xt = [...x.subarray(n * F, (n + 1) * F), 1];
    const p = probs.subarray(n * K, (n + 1) * K);
    // u[o] = Σ_i x̃_i v[o, i]; (diag p − p pᵀ) u; then the outer product with x̃.
    const u = Array.from({ length: K }, (_, o) => xt.reduce((sum, xi, i) => sum + xi * (i < F ? vWeight[o * F + i] : vBias[o]), 0));
    const pu = u.reduce((sum, uo, o) => sum + p[o] * uo, 0);
    for (let o = 0; o < K; o++) {
      const w = p[o] * u[o] - p[o] * pu;
      for (let i = 0; i < F; i++) hvWeight[o * F + i] += (w * xt[i]) / B;
      hvBias[o] += w / B;
    }
  }
  return new Map([
    ['fc.weight', hvWeight],
    ['fc.bias', hvBias],
  ]);
}

function softmaxRows(logits: Float64Array, B: number, K: number): Float64Array {
  const probs = new Float64Array(B * K);
  for (let b = 0; b < B; b++) {
    const row = logits.subarray(b * K, (b + 1) * K);
    const max = Math.max(...row);
    const e = row.map((z) => Math.exp(z - max));
    const sum = e.reduce((a, c) => a + c, 0);
    for (let k = 0; k < K; k++) probs[b * K + k] = e[k] / sum;
  }
  return probs;
}

describe('ReferenceModel.gradientPass', () => {
  it('gives the gradient at other parameter values without touching the model, its gradients or running statistics', () => {
    const graph = tinyGraph();
    const initial = initialParameters(graph, 3);
    const model = new ReferenceModel(graph, 3, initial);
    const { inputs, labels } = randomModelBatch(4, graph, 3);
    model.forward(inputs, labels, true);
    model.backward();
    const paramsBefore = copy(model.params);
    const gradsBefore = copy(model.grads);
    const rng = createRng(5);
    const shifted = new Map([...model.grads.keys()].map((name) => [name, model.params.get(name)!.map((x) => x + 0.05 * rng.normal())]));

    const grads = model.createGradients();
    const loss = model.gradientPass({ params: shifted, grads });
    expect(model.params).toEqual(paramsBefore);
    expect(model.grads).toEqual(gradsBefore);

    // The same gradient from a second model whose parameters are the shifted ones; its
    // training forward moves its running statistics, which the pass must not have done.
    const expected = new ReferenceModel(graph, 3, new Map([...initial].map(([name, v]) => [name, shifted.get(name) ?? v])));
    const expectedLoss = expected.forward(inputs, labels, true).loss;
    expected.backward();
    expect(loss).toBe(expectedLoss);
    for (const [name, grad] of expected.grads) expect(grads.get(name), name).toEqual(grad);
    expect(expected.params.get('bn1.running_mean')).not.toEqual(model.params.get('bn1.running_mean'));
    expect(relativeError(grads, gradsBefore)).toBeGreaterThan(1e-3);
  });

  it('backpropagates other labels from the last forward, leaving layer inputs and output gradients as a forward with those labels would', () => {
    const graph = tinyGraph();
    const initial = initialParameters(graph, 6);
    const { inputs, labels } = randomModelBatch(7, graph, 4);
    const sampled = labels.map((label) => (label + 3) % graph.classes);
    const model = new ReferenceModel(graph, 4, initial);
    model.forward(inputs, labels, true);
    model.backward();
    const trueGrads = copy(model.grads);
    const grads = model.createGradients();
    model.gradientPass({ grads, labels: sampled, forward: false });
    expect(model.grads).toEqual(trueGrads);

    const expected = new ReferenceModel(graph, 4, initial);
    expected.forward(inputs, sampled, true);
    expected.backward();
    for (const [name, grad] of expected.grads) expect(grads.get(name), name).toEqual(grad);
    for (const [name, grad] of expected.activationGrads) expect(model.activationGrads.get(name), `d${name}`).toEqual(grad);
    for (const [name, act] of expected.activations) expect(model.activations.get(name), name).toEqual(act);
    // The ordinary labels are still the batch's.
    expect(Array.from(model.batchLabels)).toEqual(Array.from(labels));
  });

  it('keeps IGNORE_TARGET rows out of a language model pass and checks its arguments', () => {
    const graph = tinyGpt();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 1));
    const { inputs, labels } = randomModelBatch(2, graph, 2);
    labels[3] = 0xffffffff;
    model.forward(inputs, labels, true);
    model.backward();
    const grads = model.createGradients();
    model.gradientPass({ grads });
    for (const [name, grad] of model.grads) expect(grads.get(name), name).toEqual(grad);
    expect(() => model.gradientPass({ grads, labels: [1, 2] })).toThrow('ReferenceModel.gradientPass: expected 10 labels, got 2');
    expect(() => model.gradientPass({ grads: new Map() })).toThrow(/grads has no \d+ values for/);
    expect(() => model.gradientPass({ grads, params: new Map([['blocks.0.ln1.weight', [1]]]) })).toThrow('"blocks.0.ln1.weight" has 1 values, expected 8');
    expect(() => model.gradientPass({ grads, params: new Map([['nope', [1]]]) })).toThrow('"nope" is not a trainable parameter of tiny-gpt');
  });
});

describe('ReferenceModel.gradientPass with frozen kinks', () => {
  it('equals the free pass at the point the kinks were taken, and differentiates that piece elsewhere', () => {
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 3, initialParameters(graph, 14));
    const { inputs, labels } = randomModelBatch(15, graph, 3);
    model.forward(inputs, labels, true);
    model.backward();
    const kinks = model.captureKinks();
    expect([...kinks.keys()]).toEqual(['bn1', 'sum']);
    const atCentre = model.createGradients();
    model.gradientPass({ grads: atCentre, kinks });
    expect(atCentre).toEqual(model.grads);

    // Far from θ some ReLUs and max-pool windows switch; the frozen pass keeps θ's piece, on
    // which the loss is smooth, so its central difference is a Hessian-vector product: the
    // free one jumps across kinks.
    const v = rademacher(model, 16);
    const exact = model.hessianVectorProduct(v);
    const errors = [true, false].map((frozen) => {
      const [plus, minus] = [3e-4, -3e-4].map((step) => {
        const grads = model.createGradients();
        const point = new Map([...model.grads.keys()].map((name) => [name, model.params.get(name)!.map((x, i) => x + step * v.get(name)![i])]));
        model.gradientPass({ params: point, grads, kinks: frozen ? kinks : undefined });
        return grads;
      });
      return relativeError(new Map([...plus].map(([name, g]) => [name, g.map((x, i) => (x - minus.get(name)![i]) / 6e-4)])), exact);
    });
    // Measured: frozen 8.3e-6 (the h² term), free 4.6 (a few kinks crossed, each a jump over 2h).
    expect(errors[0]).toBeLessThan(3e-5);
    expect(errors[1]).toBeGreaterThan(1e-2);
    expect(() => model.gradientPass({ grads: atCentre, kinks: new Map([['conv2', [1]]]) })).toThrow(
      'kinks "conv2" is not a ReLU or max-pool input of 0 values',
    );
  });
});

describe('ReferenceModel.hessianVectorProduct', () => {
  it('equals the analytic Hessian of a Linear layer with softmax cross-entropy', () => {
    const [B, F, K] = [5, 4, 3];
    const graph = linearGraph(F, K);
    const rng = createRng(8);
    const initial = new Map([
      ['fc.weight', randomArray(rng, K * F)],
      ['fc.bias', randomArray(rng, K)],
    ]);
    const model = new ReferenceModel(graph, B, initial);
    const x = randomArray(rng, B * F, -2, 2);
    const labels = Array.from({ length: B }, (_, n) => n % K);
    model.forward(x, labels, true);
    const probs = softmaxRows(model.activations.get('logits')!.slice(), B, K);
    let worst = 0;
    for (const seed of [1, 2, 3]) {
      const v = rademacher(model, seed);
      const hv = model.hessianVectorProduct(v);
      const expected = analyticHv(x, probs, B, F, K, v.get('fc.weight')!, v.get('fc.bias')!);
      worst = Math.max(worst, relativeError(hv, expected));
    }
    // Measured 1.3e-11 at h = 1e-4, all rounding: about 1e-16 |g| / (h / 4) times the
    // extrapolation's weights (the O(h⁶) truncation is far below it).
    expect(worst).toBeLessThan(1e-10);
  });

  it('is symmetric (uᵀ H v = vᵀ H u) on the tiny conv/BN/residual model and on a two-block GPT', () => {
    for (const [graph, batch] of [
      [tinyGraph(), 3],
      [tinyGpt(), 2],
    ] as const) {
      const model = new ReferenceModel(graph, batch, initialParameters(graph, 9));
      const { inputs, labels } = randomModelBatch(10, graph, batch);
      model.forward(inputs, labels, true);
      const paramsBefore = copy(model.params);
      const u = rademacher(model, 11);
      const v = rademacher(model, 12);
      const hu = model.hessianVectorProduct(u);
      const hv = model.hessianVectorProduct(v);
      const [uHv, vHu] = [dot(u, hv), dot(v, hu)];
      // Both are sums of ~1000 terms of size ~|Hv|: their difference is rounding and truncation.
      expect(Math.abs(uHv - vHu), `${graph.preset}: uᵀHv ${uHv} vᵀHu ${vHu}`).toBeLessThan(1e-9 * (Math.abs(uHv) + Math.abs(vHu)));
      expect(model.params).toEqual(paramsBefore);
      // Linear in v: H(2v) = 2 Hv up to the extrapolation's error.
      const twice = model.hessianVectorProduct(new Map([...v].map(([name, x]) => [name, x.map((e) => 2 * e)])));
      expect(relativeError(twice, new Map([...hv].map(([name, x]) => [name, x.map((e) => 2 * e)])))).toBeLessThan(1e-9);
    }
  }, 60_000);
});
