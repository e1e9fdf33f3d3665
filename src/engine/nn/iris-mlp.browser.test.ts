// The seed's Iris experiment on the GPU: iris-mlp from the notebook's start on real Iris
// batches against the float64 reference, and a short training run with each of its
// optimizers against the float64 optimizers.

import { describe, expect, it } from 'vitest';
import { optimizerSchema } from '../config/run-config';
import { IrisTrainingData } from '../data/iris-training-data';
import { compareArrays } from '../testing/compare';
import { compareTraining } from '../testing/compare-training';
import { download, testContext } from '../testing/gpu-test';
import { GpuModel } from './gpu-model';
import { applyInitOverrides, initialParameters } from './parameters';
import { irisMlp } from './presets';
import { ReferenceModel } from './reference-model';

/** The notebook's start: PyTorch's initialisation, then fc1.weight = (0.2, 0.2). */
const NOTEBOOK_START = { 'fc1.weight': [0.2, 0.2] };

// Two features, one hidden unit and three classes: every value is a sum of at most 10 float32
// products (the batch, in the weight gradients), O(1) in size, so a few float32 ulp. Worst seen
// 4.4e-8 on the activations and gradients and 4.1e-8 on the loss.
const TOLERANCE = { atol: 1e-6, rtol: 1e-5 };

describe('iris-mlp on Iris batches', () => {
  it('gives the reference loss, activations and gradients from the notebook start, batch after batch', async () => {
    const ctx = await testContext();
    const graph = irisMlp();
    const initial = applyInitOverrides(graph, initialParameters(graph, 0), NOTEBOOK_START);
    const model = await GpuModel.create(ctx, graph, 10, { owner: 'test:iris-mlp', initial });
    const reference = new ReferenceModel(graph, 10, initial);
    const data = new IrisTrainingData({ batchSize: 10, seed: 0, shuffle: true });
    try {
      expect(Array.from((await model.readParameters()).get('fc1.weight')!)).toEqual([Math.fround(0.2), Math.fround(0.2)]);
      for (let step = 0; step < 3; step++) {
        const batch = await data.nextBatch();
        model.writeBatch(batch.inputs, batch.targets);
        const metrics = (await model.trainStep({ readMetrics: true }))!;
        const expected = reference.forward(batch.inputs, batch.targets, true);
        reference.backward();
        expect(Math.abs(metrics.loss - expected.loss), `loss at step ${step}`).toBeLessThan(1e-6);
        expect(metrics.correct).toBe(expected.correct);
        for (const name of ['fc1', 'relu', 'fc2', 'probs']) {
          const result = compareArrays(await download(ctx, model.activation(name)), reference.activations.get(name)!, TOLERANCE, `${name} at step ${step}`);
          expect(result.ok, result.report).toBe(true);
          if (name === 'fc1') continue;
          const gradient = compareArrays(await download(ctx, model.activationGrad(name)), reference.activationGrads.get(name)!, TOLERANCE, `d${name}`);
          expect(gradient.ok, gradient.report).toBe(true);
        }
        const grads = await model.readGradients();
        for (const [name, expectedGrad] of reference.grads) {
          const result = compareArrays(grads.get(name)!, expectedGrad, TOLERANCE, `d${name} at step ${step}`);
          expect(result.ok, result.report).toBe(true);
        }
      }
    } finally {
      model.destroy();
    }
  });
});

// One epoch of 15 steps of batch 10, from the same weights on the same batches, with the
// notebook's optimizers and learning rates. Relative to each tensor's largest value; worst seen
// 1.2e-7 (Adam) and 1.6e-7 (AdaFisher), with losses within 1.3e-7, against largest parameter
// changes of 1.0e-2 (Adam) and 4.1e-2 (AdaFisher).
const PARAMETER_TOLERANCE = 1e-5;
const LOSS_TOLERANCE = 1e-5;

describe('iris-mlp training against the float64 optimizers', () => {
  for (const options of [
    { type: 'adam', lr: 1e-3 },
    { type: 'adafisher', lr: 1e-3 },
  ]) {
    it(`${options.type}, lr ${options.lr}: 15 steps stay with the reference`, async () => {
      const ctx = await testContext();
      const graph = irisMlp();
      const initial = initialParameters(graph, 1);
      let moved = 0;
      const history = await compareTraining(ctx, {
        graph,
        batch: 10,
        steps: 15,
        optimizer: optimizerSchema.parse(options),
        seed: 1,
        afterStep: async (step, _gpu, _reference, model) => {
          if (step !== 14) return;
          for (const [name, values] of await model.readParameters()) {
            const start = initial.get(name)!;
            for (let i = 0; i < values.length; i++) moved = Math.max(moved, Math.abs(values[i] - start[i]));
          }
        },
      });
      const worst = Math.max(...history.map((h) => h.worstParameterError));
      const worstLoss = Math.max(...history.map((h) => Math.abs(h.gpuLoss - h.referenceLoss)));
      console.log(
        `iris-mlp ${options.type}: worst parameter error ${worst.toExponential(2)}, loss ${worstLoss.toExponential(2)}, largest change ${moved.toExponential(2)}`,
      );
      for (const h of history) {
        expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(PARAMETER_TOLERANCE);
        expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(LOSS_TOLERANCE);
      }
      // The parameters moved far more than the tolerance, so the comparison can fail.
      expect(moved).toBeGreaterThan(100 * PARAMETER_TOLERANCE);
    });
  }
});
