import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { tinyGpt } from '../testing/tiny-graph';
import { randomBatch, randomModelBatch } from './device-check';
import type { ModelGraph } from './graph';
import { initialParameters } from './parameters';
import { cnnSmall, resnetMini } from './presets';
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
