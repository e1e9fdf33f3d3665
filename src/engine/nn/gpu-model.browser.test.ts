import { describe, expect, it } from 'vitest';
import { compareArrays } from '../testing/compare';
import { download, testContext } from '../testing/gpu-test';
import { tinyGpt, tinyPaperGpt } from '../testing/tiny-graph';
import { randomModelBatch } from './device-check';
import { GpuModel } from './gpu-model';
import type { ModelGraph } from './graph';
import { initialParameters } from './parameters';
import { modelPreset as presetGraph } from './presets';
import { ReferenceModel } from './reference-model';
import { maxAbs } from '../testing/max-error';
import { geluForward } from '../kernels/gelu/gelu.ref';

/** float32 sums over thousands of terms: tolerate 2e-4 of the tensor's scale plus 1e-3 relative. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  const result = compareArrays(actual, expected, { atol: 2e-4 * (maxAbs(expected) || 1), rtol: 1e-3 }, label);
  expect(result.ok, result.report).toBe(true);
}

const GRAPHS: Record<string, () => ModelGraph> = {
  'cnn-small': () => presetGraph('cnn-small'),
  'resnet-mini': () => presetGraph('resnet-mini'),
  'tiny-gpt': tinyGpt,
  // gpt1-paper's structure (exact GELU, PyTorch's initialisation) at tinyGpt's size.
  'tiny-paper-gpt': tinyPaperGpt,
  // gpt1-tiny's real width, heads and context; a small vocabulary keeps the float64 reference quick.
  'gpt1-tiny (vocabulary 50)': () => presetGraph('gpt1-tiny', 50),
  'iris-mlp': () => presetGraph('iris-mlp'),
};

/**
 * GPT's N(0, 0.02) weights and embeddings make attention almost uniform, so the query and key
 * gradients are ~1e-10 and a wrong attention backward would hide under the tolerance; 10x
 * larger weights give every gradient a real size. Under PyTorch's initialisation the Linear
 * weights are large enough, but the N(0, 0.02) embedding tables still give the first block's
 * queries a gradient of 1e-7, so they are scaled too. Other graphs keep their initialisation.
 */
function testParameters(graph: ModelGraph, seed: number): Map<string, Float32Array> {
  const values = initialParameters(graph, seed);
  const tables = new Set(graph.nodes.flatMap((node) => (node.op === 'embedding' ? [`${node.tokenTable}.weight`, `${node.positionTable}.weight`] : [])));
  const norms = new Set(graph.nodes.flatMap((node) => (node.op === 'layernorm' ? [`${node.name}.weight`] : [])));
  const scaled = (name: string) => tables.has(name) || (graph.init === 'gpt' && name.endsWith('.weight') && !norms.has(name));
  for (const [name, data] of values) if (scaled(name)) data.forEach((v, i) => (data[i] = 10 * v));
  return values;
}

describe.each([
  ['cnn-small', 3],
  ['resnet-mini', 2],
  ['tiny-gpt', 3],
  ['tiny-paper-gpt', 3],
  ['gpt1-tiny (vocabulary 50)', 2],
  ['iris-mlp', 10],
])('%s on the GPU against the float64 reference', (preset, batch) => {
  const modelPreset = GRAPHS[preset];
  const randomBatch = (seed: number, size: number, graph: ModelGraph) => {
    const { inputs, labels } = randomModelBatch(seed, graph, size);
    return { images: inputs, labels };
  };
  it('gives the same loss, every parameter gradient, the layers AdaFisher reads, and running statistics', async () => {
    const ctx = await testContext();
    const graph = modelPreset();
    const initial = testParameters(graph, 21);
    const { images, labels } = randomBatch(22, batch, graph);
    const model = await GpuModel.create(ctx, graph, batch, { owner: `test:${preset}`, initial });
    const reference = new ReferenceModel(graph, batch, initial);
    try {
      model.writeBatch(images, labels);
      const metrics = (await model.trainStep({ readMetrics: true }))!;
      const expected = reference.forward(images, labels, true);
      reference.backward();

      expect(Math.abs(metrics.loss - expected.loss)).toBeLessThan(1e-5 * Math.max(1, expected.loss));
      expect(metrics.correct).toBe(expected.correct);

      // Forward order, then backward order, so the first failure points at the first wrong op.
      for (const [name, expectedActivation] of reference.activations) {
        if (name === 'input') continue; // written by the test itself (token ids are u32)
        expectClose(await download(ctx, model.activation(name)), expectedActivation, `activation ${name}`);
      }
      for (const [name, expectedGrad] of [...reference.activationGrads].reverse()) {
        if (model.hasActivationGrad(name)) expectClose(await download(ctx, model.activationGrad(name)), expectedGrad, `gradient of ${name}`);
      }
      const grads = await model.readGradients();
      expect([...grads.keys()].sort()).toEqual([...reference.grads.keys()].sort());
      const gradScale = Math.max(...[...reference.grads.values()].map(maxAbs));
      for (const [name, refGrad] of reference.grads) {
        if (name.endsWith('.attn.k.bias')) {
          // Adding b to every key adds q·b to a whole row of scores, which softmax ignores: the
          // key bias gradient is exactly 0, so both sides hold only rounding noise.
          expect(maxAbs(grads.get(name)!), `${name} is zero`).toBeLessThan(1e-6 * gradScale);
          continue;
        }
        expect(maxAbs(refGrad), `${name} has a nonzero gradient`).toBeGreaterThan(1e-4 * gradScale);
        expectClose(grads.get(name)!, refGrad, `d${name}`);
      }

      // The activation tolerance above is looser than the gap between the exact and the tanh GELU
      // (up to 4.7e-4, at |x| = 2.7), so each GELU is also checked against its own input at the kernel's accuracy.
      for (const node of graph.nodes) {
        if (node.op !== 'gelu') continue;
        const input = Float64Array.from(await download(ctx, model.activation(node.input)));
        const expectedGelu = new Float64Array(input.length);
        geluForward(expectedGelu, input, input.length, node.approximate);
        const result = compareArrays(await download(ctx, model.activation(node.output)), expectedGelu, { atol: 1e-6, rtol: 1e-5 }, node.output);
        expect(result.ok, result.report).toBe(true);
      }

      // What AdaFisher reads of each layer is the same memory as the tensors checked above.
      for (const layer of model.layers) {
        expect(layer.input).toBe(model.activation(layer.node.input));
        expect(layer.outputGrad).toBe(model.activationGrad(layer.node.output));
        expect(layer.weightGrad.offset).toBe(model.grads.view(`${layer.node.name}.weight`).offset);
      }

      const params = await model.readParameters();
      for (const spec of model.specs.filter((s) => !s.trainable)) {
        expectClose(params.get(spec.name)!, reference.params.get(spec.name)!, spec.name);
      }

      const evaluated = await model.evaluate(images, labels);
      const expectedEval = reference.forward(images, labels, false);
      expect(Math.abs(evaluated.loss - expectedEval.loss)).toBeLessThan(1e-5 * Math.max(1, expectedEval.loss));
      expect(evaluated.correct).toBe(expectedEval.correct);
    } finally {
      model.destroy();
    }
  });

  it('creates no buffer and needs no read-back for a step after warm-up', async () => {
    const ctx = await testContext();
    const graph = modelPreset();
    const model = await GpuModel.create(ctx, graph, batch, { owner: `test:${preset}:steps`, initial: initialParameters(graph, 1) });
    try {
      const { images, labels } = randomBatch(2, batch, graph);
      model.writeBatch(images, labels);
      await model.trainStep({ readMetrics: true });
      const created = ctx.pool.creations;
      expect(await model.trainStep()).toBeNull();
      const metrics = await model.trainStep({ readMetrics: true });
      expect(ctx.pool.creations).toBe(created);
      expect(Number.isFinite(metrics!.loss)).toBe(true);
      console.info(`${preset}: ${model.dispatchesPerTrainStep} dispatches per step, ${ctx.pipelines.size} pipelines compiled so far`);
      expect(model.numBatchesTracked).toBe(3);
    } finally {
      model.destroy();
    }
  });

  it('saves a checkpoint that a freshly built model loads to the same parameters and outputs', async () => {
    const ctx = await testContext();
    const graph = modelPreset();
    const { images, labels } = randomBatch(5, batch, graph);
    const trained = await GpuModel.create(ctx, graph, batch, { owner: `test:${preset}:saved`, initial: initialParameters(graph, 1) });
    const fresh = await GpuModel.create(ctx, graph, batch, { owner: `test:${preset}:loaded`, initial: initialParameters(graph, 2) });
    try {
      trained.writeBatch(images, labels);
      await trained.trainStep(); // moves BatchNorm's running statistics away from their initial values
      const bytes = await trained.saveCheckpoint({ note: 'round trip' });
      expect(fresh.loadCheckpoint(bytes).note).toBe('round trip');
      // num_batches_tracked lives in BatchNorm layers; cnn-small has none to carry it.
      expect(fresh.numBatchesTracked).toBe(graph.nodes.some((node) => node.op === 'batchnorm2d') ? 1 : 0);
      const [saved, loaded] = [await trained.readParameters(), await fresh.readParameters()];
      for (const [name, values] of saved) expect(Array.from(loaded.get(name)!), name).toEqual(Array.from(values));
      expect(await fresh.evaluate(images, labels)).toEqual(await trained.evaluate(images, labels));
      expect(() => fresh.loadCheckpoint(bytes.slice(0, bytes.length - 4))).toThrow(/truncated|offsets/i);
    } finally {
      trained.destroy();
      fresh.destroy();
    }
  });
});
