import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../gpu/compute-plan';
import { readTensor, writeTensor } from '../gpu/transfer';
import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { createRng } from '../random';
import { compareArrays } from '../testing/compare';
import { download, testContext } from '../testing/gpu-test';
import { tinyGpt, tinyGraph } from '../testing/tiny-graph';
import { randomModelBatch } from './device-check';
import { GpuModel } from './gpu-model';
import type { ModelGraph } from './graph';
import { initialParameters } from './parameters';
import { ReferenceModel } from './reference-model';
import { maxAbs } from '../testing/max-error';

/** As the whole-model test: float32 sums over many terms, 2e-4 of the tensor's scale plus 1e-3 relative. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  const result = compareArrays(actual, expected, { atol: 2e-4 * (maxAbs(expected) || 1), rtol: 1e-3 }, label);
  expect(result.ok, result.report).toBe(true);
}

const GRAPHS: [string, () => ModelGraph, number][] = [
  ['tiny conv/BN/residual', tinyGraph, 3],
  ['tiny GPT', tinyGpt, 2],
];

describe.each(GRAPHS)('GpuModel.recordGradientPass on the %s model', (_, makeGraph, batch) => {
  it('gives the float64 gradient at perturbed weights with other labels, after a training step that it leaves as it was', async () => {
    const ctx = await testContext();
    const graph = makeGraph();
    const initial = initialParameters(graph, 31);
    const { inputs, labels } = randomModelBatch(32, graph, batch);
    if (graph.task === 'language-modeling') labels[1] = IGNORE_TARGET;
    const owner = `test:pass:${graph.preset}`;
    const model = await GpuModel.create(ctx, graph, batch, { owner, initial });
    const reference = new ReferenceModel(graph, batch, initial);
    const plan = new ComputePlan(ctx, `${owner}:extra`, `${owner}:extra`);
    try {
      // Perturbed weights, rounded to float32 so both sides start from the same values.
      const rng = createRng(33);
      const perturbed = new Map<string, Float32Array>();
      for (const spec of model.specs.filter((s) => s.trainable)) {
        perturbed.set(
          spec.name,
          Float32Array.from(initial.get(spec.name)!, (x) => x + 0.01 * (rng.next() < 0.5 ? -1 : 1)),
        );
      }
      const sampled = labels.map((label) => (label === IGNORE_TARGET ? label : (label + 1 + rng.int(graph.classes - 1)) % graph.classes));
      const params = model.createParameterBuffer(`${owner}:perturbed`, `${owner}:extra`);
      ctx.device.queue.writeBuffer(params.buffer, 0, params.pack(perturbed));
      const grads = model.createParameterBuffer(`${owner}:extra-grads`, `${owner}:extra`);
      const sampledGrads = model.createParameterBuffer(`${owner}:sampled-grads`, `${owner}:extra`);
      const sampledLabels = ctx.pool.tensor(`${owner}:sampled-labels`, [model.rows], `${owner}:extra`, 'u32');
      writeTensor(ctx, sampledLabels, sampled);
      model.recordGradientPass(plan, { params, grads });
      // Then, from this pass's activations (forward: false), a backward of the sampled labels.
      model.recordGradientPass(plan, { params, grads: sampledGrads, labels: sampledLabels, forward: false });
      await plan.compile();

      model.writeBatch(inputs, labels);
      const metrics = (await model.trainStep({ readMetrics: true, then: (pass) => plan.encode(pass) }))!;
      const expected = reference.forward(inputs, labels, true);
      reference.backward();
      // The metrics average over scored rows, the reference's loss over all rows (the gradient's divisor).
      const scored = labels.filter((label) => label !== IGNORE_TARGET).length;
      const expectedLoss = (expected.loss * model.rows) / scored;
      expect(Math.abs(metrics.loss - expectedLoss)).toBeLessThan(1e-5 * Math.max(1, expectedLoss));
      expect(model.numBatchesTracked).toBe(1);

      // The step's own gradients, metrics and running statistics are those of the ordinary step.
      const gradScale = Math.max(...[...reference.grads.values()].map(maxAbs));
      const exactlyZero = (name: string) => name.endsWith('.attn.k.bias') || name === 'conv1.bias'; // rounding noise on both sides
      for (const [name, grad] of await model.readGradients()) if (!exactlyZero(name)) expectClose(grad, reference.grads.get(name)!, `model gradient ${name}`);
      const stored = await model.readParameters();
      for (const spec of model.specs) expectClose(stored.get(spec.name)!, reference.params.get(spec.name)!, `stored ${spec.name}`);

      const expectedGrads = reference.createGradients();
      reference.gradientPass({ params: perturbed, grads: expectedGrads });
      const gotGrads = grads.unpack(await readTensor(ctx, grads.whole));
      let moved = 0;
      for (const [name, grad] of expectedGrads) {
        if (exactlyZero(name)) continue;
        expectClose(gotGrads.get(name)!, grad, `perturbed gradient ${name}`);
        moved = Math.max(moved, maxAbs(grad.map((g, i) => g - reference.grads.get(name)![i])) / gradScale);
      }
      // The perturbation changes the gradient far beyond the tolerance, or the check proves nothing.
      expect(moved).toBeGreaterThan(1e-2);

      const expectedSampled = reference.createGradients();
      reference.gradientPass({ params: perturbed, grads: expectedSampled, labels: sampled, forward: false });
      const gotSampled = sampledGrads.unpack(await readTensor(ctx, sampledGrads.whole));
      for (const [name, grad] of expectedSampled) {
        if (exactlyZero(name)) continue;
        expectClose(gotSampled.get(name)!, grad, `sampled-label gradient ${name}`);
      }
      // What K-FAC reads after the pass: layer inputs and output gradients of the sampled backward.
      for (const layer of model.layers) {
        expectClose(await download(ctx, layer.input), reference.activations.get(layer.node.input)!, `${layer.node.name} input`);
        expectClose(await download(ctx, layer.outputGrad), reference.activationGrads.get(layer.node.output)!, `${layer.node.name} output gradient`);
      }
      // Padding between tensors stays zero in the scratch gradients.
      const flat = await readTensor(ctx, sampledGrads.whole);
      const inside = new Uint8Array(flat.length);
      for (const entry of sampledGrads.layout.entries) inside.fill(1, entry.offset, entry.offset + entry.size);
      expect(maxAbs(flat.filter((__, i) => !inside[i]))).toBe(0);
    } finally {
      plan.dispose();
      ctx.pool.releaseOwner(`${owner}:extra`);
      model.destroy();
    }
  });
});

describe('GpuModel.recordGradientPass with frozen kinks', () => {
  it('keeps the training forward’s ReLU masks and max-pool arg-maxes at weights where they would switch', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const batch = 3;
    const initial = initialParameters(graph, 41);
    const { inputs, labels } = randomModelBatch(42, graph, batch);
    const owner = 'test:kinks';
    const model = await GpuModel.create(ctx, graph, batch, { owner, initial });
    const reference = new ReferenceModel(graph, batch, initial);
    const plan = new ComputePlan(ctx, `${owner}:extra`, `${owner}:extra`);
    try {
      const rng = createRng(43);
      const perturbed = new Map<string, Float32Array>();
      for (const spec of model.specs.filter((s) => s.trainable)) {
        perturbed.set(
          spec.name,
          Float32Array.from(initial.get(spec.name)!, (x) => x + 0.05 * (rng.next() < 0.5 ? -1 : 1)),
        );
      }
      const params = model.createParameterBuffer(`${owner}:perturbed`, `${owner}:extra`);
      ctx.device.queue.writeBuffer(params.buffer, 0, params.pack(perturbed));
      const grads = model.createParameterBuffer(`${owner}:grads`, `${owner}:extra`);
      const kinks = model.createKinkSnapshot(`${owner}:extra`);
      expect([...kinks.inputs.keys()]).toEqual(['bn1', 'sum']);
      model.recordKinkSnapshot(plan, kinks);
      model.recordGradientPass(plan, { params, grads, kinks });
      await plan.compile();
      model.writeBatch(inputs, labels);
      await model.trainStep({ then: (pass) => plan.encode(pass) });

      reference.forward(inputs, labels, true);
      reference.backward();
      const saved = reference.captureKinks();
      for (const [name, values] of saved) expectClose(await download(ctx, kinks.inputs.get(name)!), values, `saved ${name}`);
      const frozen = reference.createGradients();
      reference.gradientPass({ params: perturbed, grads: frozen, kinks: saved });
      const free = reference.createGradients();
      reference.gradientPass({ params: perturbed, grads: free });
      const got = grads.unpack(await readTensor(ctx, grads.whole));
      const scale = Math.max(...[...frozen.values()].map(maxAbs));
      let switched = 0;
      for (const [name, grad] of frozen) {
        if (name === 'conv1.bias') continue; // exactly 0 in exact arithmetic
        expectClose(got.get(name)!, grad, `frozen-kink gradient ${name}`);
        switched = Math.max(switched, maxAbs(grad.map((g, i) => g - free.get(name)![i])) / scale);
      }
      // The perturbation moves masks and arg-maxes, so freezing them must matter far beyond the tolerance.
      expect(switched).toBeGreaterThan(1e-2);
    } finally {
      plan.dispose();
      ctx.pool.releaseOwner(`${owner}:extra`);
      model.destroy();
    }
  });
});

describe('GpuModel.recordGradientPass arguments', () => {
  it('refuses buffers that are not laid out like the parameters, the model gradients, the running statistics, and bad labels', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'test:pass-args', initial: initialParameters(graph, 1) });
    const other = await GpuModel.create(ctx, tinyGpt(), 2, { owner: 'test:pass-args-gpt', initial: initialParameters(tinyGpt(), 1) });
    const plan = new ComputePlan(ctx, 'test:pass-args:plan', 'test:pass-args');
    try {
      const grads = model.createParameterBuffer('scratch', 'test:pass-args');
      expect(() => model.recordGradientPass(plan, { grads: other.grads })).toThrow(/grads ".*" is not laid out like the model's parameters/);
      expect(() => model.recordGradientPass(plan, { params: other.params, grads })).toThrow(/params ".*" is not laid out like the model's parameters/);
      expect(() => model.recordGradientPass(plan, { grads: model.grads })).toThrow("must not be the model's gradients");
      expect(() => model.recordGradientPass(plan, { grads: model.params })).toThrow('must be a buffer of its own');
      expect(() => model.recordGradientPass(plan, { grads, statistics: model.statistics })).toThrow("must not be the model's running statistics");
      expect(() => model.recordGradientPass(plan, { grads, labels: model.metrics })).toThrow(
        /labels ".*" must be 2 u32 values \(one per prediction row\), got 3 f32/,
      );
    } finally {
      plan.dispose();
      model.destroy();
      other.destroy();
    }
  });
});
