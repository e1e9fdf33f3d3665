import { describe, expect, it } from 'vitest';
import { kfacSchema } from '../config/run-config';
import { randomModelBatch } from '../nn/device-check';
import { GRAPH_INPUT, type ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { tinyGraph, tinyGpt } from '../testing/tiny-graph';
import { choleskyInverse, matmul } from './kfac-factors.ref';
import { checkKfacConfig, createReferenceKfac, type KfacConfig } from './kfac.ref';
import { maxAbs } from '../testing/max-error';

const kfac = (options: Record<string, unknown> = {}): KfacConfig => kfacSchema.parse({ type: 'kfac', lr: 0.1, ...options });

/** Softmax regression: one Linear layer without bias on `features` inputs. */
function softmaxRegression(features: number, classes: number): ModelGraph {
  return {
    preset: 'softmax-regression',
    task: 'tabular-classification',
    init: 'pytorch',
    inputShape: [features],
    classes,
    output: 'logits',
    nodes: [{ op: 'linear', name: 'fc', input: GRAPH_INPUT, output: 'logits', inFeatures: features, outFeatures: classes, bias: false }],
  };
}

function trainStep(model: ReferenceModel, graph: ModelGraph, batch: number, seed: number): void {
  const { inputs, labels } = randomModelBatch(seed, graph, batch);
  model.forward(inputs, labels, true);
  model.backward();
}

describe('K-FAC float64 twin', () => {
  it("B of the output layer is ASDL's (1/N) Σ_n (p_n − e_y)(p_n − e_y)ᵀ of the sum loss, with y the sampled labels", () => {
    const graph = tinyGraph();
    const batch = 5;
    const model = new ReferenceModel(graph, batch, initialParameters(graph, 3));
    const optimizer = createReferenceKfac(model, kfac(), { seed: 9, stream: 2 });
    trainStep(model, graph, batch, 1);
    const logits = Float64Array.from(model.activations.get('logits')!);
    optimizer.step(0, 0.1);
    const labels = optimizer.sampledLabels!;
    const K = graph.classes;
    const expected = new Float64Array(K * K);
    for (let n = 0; n < batch; n++) {
      const row = logits.subarray(n * K, (n + 1) * K);
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const total = e.reduce((a, b) => a + b, 0);
      const g = e.map((v, k) => v / total - (k === labels[n] ? 1 : 0));
      for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) expected[i * K + j] += (g[i] * g[j]) / batch;
    }
    const { B, A } = optimizer.factors.get('fc')!;
    expect(maxAbs(B.map((v, i) => v - expected[i]))).toBeLessThan(1e-15);
    // fc's input has 5 rows of 64: the Woodbury route, which never forms A.
    expect(A).toBeNull();
    expect(optimizer.layers.find((layer) => layer.name === 'fc')!.woodbury).toBe(true);
  });

  it('the Monte-Carlo B averages to the true Fisher diag(p) − ppᵀ over many sampled labels', () => {
    // 4000 identical rows: each row's p is the same, so B -> diag(p) − ppᵀ (error ~ 1/sqrt(4000)).
    const graph = softmaxRegression(3, 4);
    const batch = 4000;
    const model = new ReferenceModel(graph, batch, new Map([['fc.weight', [0.5, -0.2, 0.1, -0.4, 0.3, 0.8, 0.2, 0.2, -0.6, 0.0, 0.4, -0.1]]]));
    const optimizer = createReferenceKfac(model, kfac(), { seed: 1, stream: 0 });
    const x = [1, 0.5, -1];
    model.forward(Array.from({ length: batch }, () => x).flat(), new Uint32Array(batch), true);
    model.backward();
    const logits = model.activations.get('logits')!.slice(0, 4);
    optimizer.step(0, 0);
    const e = logits.map((v) => Math.exp(v));
    const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
    const fisher = Array.from({ length: 16 }, (_, k) => (Math.floor(k / 4) === k % 4 ? p[k % 4] : 0) - p[Math.floor(k / 4)] * p[k % 4]);
    const { B } = optimizer.factors.get('fc')!;
    expect(maxAbs(B.map((v, i) => v - fisher[i]))).toBeLessThan(0.02);
    // A = (1/N) Σ x xᵀ = x xᵀ exactly (3 columns < 4000 rows: the Cholesky route).
    const { A } = optimizer.factors.get('fc')!;
    expect(maxAbs(A!.map((v, k) => v - x[Math.floor(k / 3)] * x[k % 3]))).toBeLessThan(1e-12);
  });

  it('preconditions weights by B⁻¹ G A⁻¹ with the split dampings, biases by B⁻¹ g, and leaves BatchNorm alone; then clips and takes the SGD step', () => {
    const graph = tinyGraph();
    const batch = 3;
    const initial = initialParameters(graph, 5);
    const model = new ReferenceModel(graph, batch, initial);
    const config = kfac({ lr: 0.05, momentum: 0.9, weight_decay: 0, clip: 1e6 });
    const optimizer = createReferenceKfac(model, config, { seed: 4, stream: 1 });
    trainStep(model, graph, batch, 2);
    const raw = new Map([...model.grads].map(([name, grad]) => [name, Float64Array.from(grad)]));
    optimizer.step(0, 0.05);
    // With clip 1e6 (inactive), no weight decay and buf = g on the first step: θ_1 = θ_0 − lr·g̃.
    const applied = (name: string) => initial.get(name)!.map((v, i) => (v - model.params.get(name)![i]) / 0.05);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) =>
      expect(maxAbs(Array.from(a, (v, i) => v - b[i])) / Math.max(maxAbs(b), 1e-30), what).toBeLessThan(1e-6);
    for (const name of ['bn1.weight', 'bn1.bias']) close(applied(name), raw.get(name)!, name);
    const conv2 = optimizer.layers.find((layer) => layer.name === 'conv2')!;
    const f = optimizer.factors.get('conv2')!;
    const expected = matmul(
      matmul(choleskyInverse(f.B, conv2.bDim, f.lambdaB), raw.get('conv2.weight')!, conv2.bDim, conv2.bDim, conv2.aDim),
      choleskyInverse(f.A!, conv2.aDim, f.lambdaA),
      conv2.bDim,
      conv2.aDim,
      conv2.aDim,
    );
    close(applied('conv2.weight'), expected, 'conv2.weight');
    const fc = optimizer.factors.get('fc')!;
    close(applied('fc.bias'), matmul(fc.bInverse, raw.get('fc.bias')!, 10, 10, 1), 'fc.bias');
    // The preconditioner changed the weights' direction, not only their scale.
    expect(maxAbs(applied('conv2.weight').map((v, i) => v - raw.get('conv2.weight')![i]))).toBeGreaterThan(1e-3 * maxAbs(raw.get('conv2.weight')!));
  });

  it('computes the curvature at steps 0, interval, 2·interval and reuses the inverses in between', () => {
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 1));
    const optimizer = createReferenceKfac(model, kfac({ interval: 3 }), { seed: 0, stream: 0 });
    const seen: (Float64Array | null)[] = [];
    for (let step = 0; step < 7; step++) {
      trainStep(model, graph, 2, 10 + step);
      optimizer.step(step, 0.1);
      seen.push(optimizer.factors.get('conv1')!.aInverse);
    }
    const changes = seen.map((inverse, step) => step === 0 || inverse !== seen[step - 1]);
    expect(changes).toEqual([true, false, false, true, false, false, true]);
  });

  it('draws other labels for another stream or step, the same for the same key and step', () => {
    const graph = tinyGraph();
    const draw = (stream: number, step: number) => {
      const model = new ReferenceModel(graph, 16, initialParameters(graph, 1));
      const optimizer = createReferenceKfac(model, kfac({ interval: 1 }), { seed: 3, stream });
      trainStep(model, graph, 16, 0);
      optimizer.step(step, 0.1);
      return [...optimizer.sampledLabels!];
    };
    expect(draw(0, 0)).toEqual(draw(0, 0));
    expect(draw(1, 0)).not.toEqual(draw(0, 0));
    expect(draw(0, 1)).not.toEqual(draw(0, 0));
  });

  it('a language model: every Linear from B·T rows, the tied output layer and the embeddings unpreconditioned, 3 steps finite', () => {
    const graph = tinyGpt();
    const batch = 2;
    const model = new ReferenceModel(graph, batch, initialParameters(graph, 2));
    const optimizer = createReferenceKfac(model, kfac({ lr: 0.01, interval: 2, clip: 1e6, momentum: 0 }), { seed: 1, stream: 0 });
    expect(optimizer.layers.every((layer) => layer.kind === 'linear' && layer.patchRows === batch * 5)).toBe(true);
    for (let step = 0; step < 3; step++) {
      trainStep(model, graph, batch, 40 + step);
      const table = Float64Array.from(model.grads.get('tok_emb.weight')!);
      const before = Float64Array.from(model.params.get('tok_emb.weight')!);
      optimizer.step(step, 0.01);
      // tok_emb moves by exactly −lr·g: no preconditioner, clip inactive, no momentum or decay.
      const moved = before.map((v, i) => (v - model.params.get('tok_emb.weight')![i]) / 0.01);
      expect(maxAbs(moved.map((v, i) => v - table[i]))).toBeLessThan(1e-9 * Math.max(1, maxAbs(table)));
      for (const values of model.params.values()) expect(values.every(Number.isFinite)).toBe(true);
    }
  });

  it('refuses a damping, an interval or a clip out of range, naming the field and the value', () => {
    expect(() => checkKfacConfig({ ...kfac(), damping: 0 })).toThrow('K-FAC: damping must be > 0, got 0');
    expect(() => checkKfacConfig({ ...kfac(), interval: 0 })).toThrow('K-FAC: interval must be a whole number > 0, got 0');
    expect(() => checkKfacConfig({ ...kfac(), clip: -1 })).toThrow('K-FAC: clip must be > 0, got -1');
    expect(() => kfacSchema.parse({ type: 'kfac', lr: 0.1, damping: 0 })).toThrow(/must be > 0/);
  });
});
