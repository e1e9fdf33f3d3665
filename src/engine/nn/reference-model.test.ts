import { describe, expect, it } from 'vitest';
import { irisSet } from '../data/iris';
import { createRng } from '../random';
import { numericGradient } from '../testing/finite-difference';
import { tinyGpt, tinyPaperGpt } from '../testing/tiny-graph';
import { randomBatch, randomModelBatch } from './device-check';
import type { ModelGraph } from './graph';
import { applyInitOverrides, initialParameters } from './parameters';
import { cnnSmall, irisMlp, resnetMini } from './presets';
import { ReferenceModel } from './reference-model';

/**
 * The whole-model reference gradient against central differences of the whole-model loss,
 * at a few sampled entries of every parameter: this checks the graph interpreter (gradient
 * routing, residual sums, flatten) on top of the per-op checks.
 */
function checkSampledGradients(graph: ModelGraph, batch: number, samplesPerTensor: number) {
  const initial = initialParameters(graph, 11);
  const { inputs: images, labels } = randomModelBatch(12, graph, batch);
  const model = new ReferenceModel(graph, batch, initial);
  model.forward(images, labels, true);
  model.backward();
  const rng = createRng(13);
  const eps = 1e-5;
  const failures: string[] = [];
  let checked = 0;
  for (const [name, grad] of model.grads) {
    const param = model.params.get(name)!;
    for (let s = 0; s < samplesPerTensor; s++) {
      const i = rng.int(param.length);
      const saved = param[i];
      param[i] = saved + eps;
      const plus = model.forward(images, labels, true).loss;
      param[i] = saved - eps;
      const minus = model.forward(images, labels, true).loss;
      param[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      checked++;
      if (!(Math.abs(numeric - grad[i]) <= 1e-6 + 1e-4 * Math.abs(numeric))) failures.push(`${name}[${i}]: analytic ${grad[i]} numeric ${numeric}`);
    }
  }
  return { failures, checked };
}

describe('reference model gradients', () => {
  it('cnn-small matches finite differences of the loss', () => {
    const { failures, checked } = checkSampledGradients(cnnSmall(), 2, 4);
    expect(checked).toBe(24);
    expect(failures).toEqual([]);
  }, 60_000);

  it('resnet-mini (BatchNorm in training mode, residual sums) matches finite differences of the loss', () => {
    const { failures, checked } = checkSampledGradients(resnetMini(), 2, 1);
    expect(checked).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  }, 300_000);

  it('a two-block GPT (embeddings, attention, GELU, post-LN, tied output) matches finite differences of the loss', () => {
    const { failures, checked } = checkSampledGradients(tinyGpt(), 2, 3);
    expect(checked).toBeGreaterThan(60);
    expect(failures).toEqual([]);
  }, 60_000);

  it('the same GPT built as gpt1-paper (exact GELU, PyTorch initialisation) matches finite differences of the loss', () => {
    const { failures, checked } = checkSampledGradients(tinyPaperGpt(), 2, 3);
    expect(checked).toBeGreaterThan(60);
    expect(failures).toEqual([]);
  }, 60_000);

  it('iris-mlp (cross-entropy of softmax probabilities) matches finite differences of the loss at every parameter', () => {
    const graph = irisMlp();
    // The notebook's start, fc1.weight = (0.2, 0.2), on ten flowers of all three species.
    const initial = applyInitOverrides(graph, initialParameters(graph, 3), { 'fc1.weight': [0.2, 0.2] });
    const { inputs, labels } = irisSet();
    const rows = Array.from({ length: 10 }, (_, i) => 15 * i);
    const batchInputs = rows.flatMap((row) => [inputs[2 * row], inputs[2 * row + 1]]);
    const batchLabels = rows.map((row) => labels[row]);
    expect(new Set(batchLabels).size).toBe(3);
    const model = new ReferenceModel(graph, 10, initial);
    const { loss } = model.forward(batchInputs, batchLabels, true);
    // The double softmax keeps the loss in [log(e + 2) - 1, log(e + 2)] = [0.551, 1.551].
    expect(loss).toBeGreaterThan(0.551);
    expect(loss).toBeLessThan(1.552);
    model.backward();
    const relu = model.activations.get('relu')!;
    expect(relu.some((v) => v > 0) && relu.some((v) => v === 0)).toBe(true);
    for (const [name, grad] of model.grads) {
      const numeric = numericGradient(() => model.forward(batchInputs, batchLabels, true).loss, model.params.get(name)!, 1e-6);
      numeric.forEach((value, i) =>
        expect(Math.abs(value - grad[i]), `${name}[${i}]: analytic ${grad[i]} numeric ${value}`).toBeLessThan(1e-8 + 1e-5 * Math.abs(value)),
      );
      expect(
        grad.some((v) => Math.abs(v) > 1e-4),
        `${name} has a nonzero gradient`,
      ).toBe(true);
    }
  });

  it('updates BatchNorm running statistics in training mode only', () => {
    const graph = resnetMini();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 1));
    const { images, labels } = randomBatch(2, 2, graph.inputShape, graph.classes);
    model.forward(images, labels, false);
    expect(Array.from(model.params.get('bn1.running_mean')!)).toEqual(new Array(16).fill(0));
    model.forward(images, labels, true);
    expect(model.params.get('bn1.running_mean')!.some((v) => v !== 0)).toBe(true);
  }, 30_000);
});
