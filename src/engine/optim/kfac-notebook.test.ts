import { describe, expect, it } from 'vitest';
import { kfacSchema } from '../config/run-config';
import { randomModelBatch } from '../nn/device-check';
import { GRAPH_INPUT, type ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { cnnSmall, irisMlp } from '../nn/presets';
import { ReferenceModel } from '../nn/reference-model';
import { inferShapes } from '../nn/shapes';
import { jacobiEigen } from '../kernels/kfac-eigen/kfac-eigen.ref';
import { klScale } from '../kernels/kfac-notebook/kfac-notebook.ref';
import { tinyGraph, tinyGpt } from '../testing/tiny-graph';
import { matmul } from './kfac-factors.ref';
import {
  createReferenceNotebookKfac,
  notebookFactorA,
  notebookFactorG,
  notebookLayers,
  notebookNaturalGradient,
  type NotebookLayer,
} from './kfac-notebook.ref';
import type { KfacConfig } from './kfac.ref';
import { maxAbs } from '../testing/max-error';

const notebook = (options: Record<string, unknown> = {}): KfacConfig => kfacSchema.parse({ type: 'kfac', variant: 'notebook', lr: 0.001, ...options });

function linearGraph(inFeatures: number, outFeatures: number): ModelGraph {
  return {
    preset: 'linear',
    task: 'tabular-classification',
    init: 'pytorch',
    inputShape: [inFeatures],
    classes: outFeatures,
    output: 'logits',
    nodes: [{ op: 'linear', name: 'fc', input: GRAPH_INPUT, output: 'logits', inFeatures, outFeatures, bias: true }],
  };
}

describe('notebook K-FAC factors', () => {
  it('Linear with bias: A = Σ [x, 1][x, 1]ᵀ / B and G = B · Σ g gᵀ, by hand', () => {
    const graph = linearGraph(2, 2);
    const [layer] = notebookLayers(graph, inferShapes(graph, 2), 2);
    expect(layer.aSide).toBe(3);
    // x = [[1, 2], [3, 4]]: Σ over 2 rows / 2.
    expect([...notebookFactorA(layer, [1, 2, 3, 4])]).toEqual([5, 7, 2, 7, 10, 3, 2, 3, 1]);
    // g = [[0.1, -0.2], [0.3, 0.4]]: 2 · [[0.1, 0.1], [0.1, 0.2]].
    const G = notebookFactorG(layer, [0.1, -0.2, 0.3, 0.4]);
    [0.2, 0.2, 0.2, 0.4].forEach((v, i) => expect(G[i]).toBeCloseTo(v, 15));
  });

  it('Conv2d with bias: the patches and the ones column divided by T, A = Σ ā āᵀ / (B·T²); G = B·T · Σ g gᵀ', () => {
    const graph: ModelGraph = {
      preset: 'conv',
      task: 'image-classification',
      init: 'pytorch',
      inputShape: [1, 3, 3],
      classes: 4,
      output: 'logits',
      nodes: [
        { op: 'conv2d', name: 'c', input: GRAPH_INPUT, output: 'c', inChannels: 1, outChannels: 1, kernel: 2, stride: 1, padding: 0, bias: true },
        { op: 'flatten', input: 'c', output: 'logits' },
      ],
    };
    const [layer] = notebookLayers(graph, inferShapes(graph, 1), 1);
    const A = notebookFactorA(layer, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // T = 4, B = 1: patches (1,2,4,5), (2,3,5,6), (4,5,7,8), (5,6,8,9).
    expect(A[0]).toBeCloseTo(46 / 16, 14);
    expect(A[4]).toBeCloseTo((1 + 2 + 4 + 5) / 16, 14);
    expect(A[24]).toBeCloseTo(4 / 16, 14);
    // One channel over 4 positions: 4 · Σ g² = 4 · 30.
    expect([...notebookFactorG(layer, [1, 2, 3, 4])]).toEqual([120]);
  });

  it('refuses a language model and a factor larger than 256, naming the layer', () => {
    const gpt = tinyGpt();
    expect(() => notebookLayers(gpt, inferShapes(gpt, 2), 2)).toThrow('K-FAC: variant notebook takes (batch, features) inputs to its Linear layers');
    const cnn = cnnSmall();
    expect(() => notebookLayers(cnn, inferShapes(cnn, 2), 2)).toThrow(
      "K-FAC: variant notebook eigendecomposes each factor in one workgroup, up to 256x256; layer fc's factor A is 2049x2049: use variant asdl",
    );
  });
});

describe('notebook K-FAC natural gradient', () => {
  it('V solves G V A + λ V = P when no eigenvalue is clamped', () => {
    const G = Float64Array.of(2, 0.5, 0.5, 1);
    const A = Float64Array.of(3, 1, 0, 1, 2, 0.5, 0, 0.5, 1);
    const P = Float64Array.of(1, -2, 0.5, 0.25, 3, -1);
    const V = notebookNaturalGradient(P, jacobiEigen(A, 3), jacobiEigen(G, 2), 2, 3, 0.01);
    const back = matmul(matmul(G, V, 2, 2, 3), A, 2, 3, 3).map((v, i) => v + 0.01 * V[i]);
    expect(maxAbs(back.map((v, i) => v - P[i]))).toBeLessThan(1e-13);
  });

  it('ν = min(1, sqrt(kl_clip / (lr²·Σ⟨V, P⟩))), 1 when that sum is 0', () => {
    expect(klScale(4, 0.5, 1e-3)).toBeCloseTo(Math.sqrt(1e-3), 15);
    expect(klScale(1e-6, 0.1, 1e-3)).toBe(1);
    expect(klScale(0, 0.1, 1e-3)).toBe(1);
    expect(klScale(5, 0, 1e-3)).toBe(1);
  });
});

describe('notebook K-FAC float64 twin', () => {
  const trainStep = (model: ReferenceModel, graph: ModelGraph, batch: number, seed: number) => {
    const { inputs, labels } = randomModelBatch(seed, graph, batch);
    model.forward(inputs, labels, true);
    model.backward();
  };

  it('averages the factors from I every interval steps and eigendecomposes them every inverse_interval steps', () => {
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 1));
    const optimizer = createReferenceNotebookKfac(model, notebook({ interval: 2, inverse_interval: 3, stat_decay: 0.9 }));
    const layer = optimizer.layers.find((l) => l.name === 'fc')! as NotebookLayer;
    expect(layer.aSide).toBe(65);
    trainStep(model, graph, 2, 0);
    const expectedA = notebookFactorA(layer, model.activations.get('flat')!).map((v, e) => 0.1 * v + (e % 66 === 0 ? 0.9 : 0));
    optimizer.step(0, 0.01);
    expect(maxAbs(optimizer.factors.get('fc')!.A.map((v, i) => v - expectedA[i]))).toBeLessThan(1e-15);
    const eigens: unknown[] = [optimizer.eigen.get('fc')];
    const factors: Float64Array[] = [Float64Array.from(optimizer.factors.get('fc')!.A)];
    for (let step = 1; step < 7; step++) {
      trainStep(model, graph, 2, step);
      optimizer.step(step, 0.01);
      eigens.push(optimizer.eigen.get('fc'));
      factors.push(Float64Array.from(optimizer.factors.get('fc')!.A));
    }
    const changed = (list: unknown[], equal: (a: never, b: never) => boolean) =>
      list.map((value, i) => i === 0 || !equal(value as never, list[i - 1] as never));
    expect(changed(eigens, (a, b) => a === b)).toEqual([true, false, false, true, false, false, true]);
    expect(changed(factors, (a: Float64Array, b: Float64Array) => a.every((v, i) => v === b[i]))).toEqual([true, false, true, false, true, false, true]);
  });

  it('clips by ν, leaves BatchNorm gradients unpreconditioned, and adds weight decay only from step 20·interval', () => {
    const graph = tinyGraph();
    const initial = initialParameters(graph, 2);
    const config = notebook({ lr: 0.05, momentum: 0, weight_decay: 0.1, interval: 1, inverse_interval: 1, kl_clip: 1e-6 });
    const model = new ReferenceModel(graph, 2, initial);
    const optimizer = createReferenceNotebookKfac(model, config);
    for (let step = 0; step < 22; step++) {
      trainStep(model, graph, 2, step);
      const bnGrad = Float64Array.from(model.grads.get('bn1.bias')!);
      const bnBefore = Float64Array.from(model.params.get('bn1.bias')!);
      optimizer.step(step, 0.05);
      // A tiny kl_clip: every step is clipped.
      expect(optimizer.lastKlScale).toBeLessThan(1);
      const decay = step >= 20 ? 0.1 : 0;
      const moved = bnBefore.map((v, i) => (v - model.params.get('bn1.bias')![i]) / 0.05 - decay * v);
      expect(maxAbs(moved.map((v, i) => v - bnGrad[i])), `step ${step}`).toBeLessThan(1e-12);
    }
  });

  it('trains the Iris MLP (batch 10, the notebook defaults) with finite values', () => {
    const graph = irisMlp();
    const model = new ReferenceModel(graph, 10, initialParameters(graph, 3));
    const optimizer = createReferenceNotebookKfac(model, notebook());
    expect(optimizer.layers.map((layer) => [layer.name, layer.aSide, layer.bDim])).toEqual([
      ['fc1', 3, 1],
      ['fc2', 2, 3],
    ]);
    for (let step = 0; step < 30; step++) {
      trainStep(model, graph, 10, step);
      optimizer.step(step, 0.001);
    }
    for (const values of model.params.values()) expect(values.every(Number.isFinite)).toBe(true);
  });
});
