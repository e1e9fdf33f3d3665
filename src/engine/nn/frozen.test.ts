import { describe, expect, it } from 'vitest';
import { adafisherSchema, adamSchema } from '../config/run-config';
import { createReferenceAdaFisher, type AdaFisherConfig } from '../optim/adafisher.ref';
import { createReferenceAdam, type AdamConfig } from '../optim/adam.ref';
import { tinyGraph, tinyPaperGpt } from '../testing/tiny-graph';
import { decodeModelCheckpoint, encodeModelCheckpoint } from './checkpoint';
import { randomModelBatch } from './device-check';
import type { ModelGraph } from './graph';
import { frozenParameterNames, initialParameters, parameterSpecs, trainableParameterCount, trainedLayerNodes } from './parameters';
import { MODEL_PRESETS, modelPreset } from './presets';
import { ReferenceModel } from './reference-model';

const FROZEN_TABLES = ['tok_emb.weight', 'pos_emb.weight'];

/** The same graph with every parameter trained. */
const unfrozen = (graph: ModelGraph): ModelGraph => ({ ...graph, frozen: undefined });

describe('frozen parameters in the graph', () => {
  it("gpt1-paper freezes its token and position tables and trains 28,351,488 parameters at GPT-1's vocabulary of 40,479", () => {
    const paper = modelPreset('gpt1-paper', 40_479);
    expect(paper.frozen).toEqual(FROZEN_TABLES);
    const frozen = parameterSpecs(paper).filter((spec) => spec.frozen);
    expect(frozen.map((spec) => [spec.name, spec.shape, spec.trainable])).toEqual([
      ['tok_emb.weight', [40_479, 768], false],
      ['pos_emb.weight', [256, 768], false],
    ]);
    expect(trainableParameterCount(paper)).toBe(28_351_488);
    // The whole model, tables included: 28,351,488 + (40,479 + 256) * 768.
    expect(trainableParameterCount(unfrozen(paper))).toBe(28_351_488 + (40_479 + 256) * 768);
  });

  it('leaves every other preset without frozen parameters', () => {
    for (const name of Object.keys(MODEL_PRESETS).filter((preset) => preset !== 'gpt1-paper')) {
      const graph = modelPreset(name, 50);
      expect(graph.frozen, name).toBeUndefined();
      expect(
        parameterSpecs(graph).filter((spec) => spec.frozen),
        name,
      ).toEqual([]);
    }
  });

  it('tells a running statistic from a frozen parameter', () => {
    const specs = parameterSpecs(modelPreset('resnet-mini'));
    const mean = specs.find((spec) => spec.name === 'bn1.running_mean')!;
    expect([mean.trainable, mean.frozen]).toEqual([false, false]);
    expect(specs.find((spec) => spec.name === 'bn1.weight')).toMatchObject({ trainable: true, frozen: false });
  });

  it('refuses to freeze a running statistic, an unknown name or everything, naming the parameter', () => {
    const graph = tinyGraph();
    expect(() => frozenParameterNames({ ...graph, frozen: ['bn1.running_mean'] })).toThrow(
      'tiny: cannot freeze "bn1.running_mean": it is not a weight or bias of the model (its parameters include conv1.weight, conv1.bias, bn1.weight, bn1.bias, conv2.weight, fc.weight)',
    );
    expect(() => parameterSpecs({ ...graph, frozen: ['fc2.weight'] })).toThrow(/cannot freeze "fc2.weight": it is not a weight or bias/);
    const everything = parameterSpecs(graph)
      .filter((spec) => spec.trainable)
      .map((spec) => spec.name);
    expect(() => parameterSpecs({ ...graph, frozen: everything })).toThrow('tiny: every parameter is frozen, so there is nothing to train');
  });

  it('leaves a layer with a frozen parameter out of the preconditioned layers', () => {
    const graph = { ...tinyGraph(), frozen: ['conv1.weight', 'conv1.bias', 'bn1.weight'] };
    expect(trainedLayerNodes(graph).map((node) => node.name)).toEqual(['conv2', 'fc']);
    expect(trainedLayerNodes(tinyGraph()).map((node) => node.name)).toEqual(['conv1', 'bn1', 'conv2', 'fc']);
  });
});

describe('frozen layers of a CNN in the float64 model (tinyGraph)', () => {
  const graph = tinyGraph();
  const batch = 3;
  const initial = initialParameters(graph, 5);
  const { inputs, labels } = randomModelBatch(6, graph, batch);
  // A frozen front (conv1 and its BatchNorm), a frozen weight in the middle (conv2 has no bias), a frozen bias at the end.
  for (const frozenNames of [['conv1.weight', 'conv1.bias', 'bn1.weight', 'bn1.bias'], ['conv2.weight'], ['fc.bias']]) {
    it(`freezing ${frozenNames.join(', ')} leaves every other gradient exactly as without freezing`, () => {
      const frozen = new ReferenceModel({ ...graph, frozen: frozenNames }, batch, initial);
      const whole = new ReferenceModel(graph, batch, initial);
      expect(frozen.forward(inputs, labels, true).loss).toBe(whole.forward(inputs, labels, true).loss);
      frozen.backward();
      whole.backward();
      expect([...frozen.grads.keys()]).toEqual([...whole.grads.keys()].filter((name) => !frozenNames.includes(name)));
      for (const [name, grad] of frozen.grads) expect(Array.from(grad), name).toEqual(Array.from(whole.grads.get(name)!));
      for (const name of frozenNames)
        expect(
          whole.grads.get(name)!.some((g) => g !== 0),
          `${name} shapes the loss`,
        ).toBe(true);
    });
  }
});

describe('frozen parameters in the float64 model', () => {
  const graph = tinyPaperGpt();
  const batch = 2;
  const initial = initialParameters(graph, 11);
  const { inputs, labels } = randomModelBatch(12, graph, batch);

  it('gives frozen tables no gradient and leaves every trainable gradient exactly as without freezing', () => {
    const frozen = new ReferenceModel(graph, batch, initial);
    const whole = new ReferenceModel(unfrozen(graph), batch, initial);
    expect(frozen.forward(inputs, labels, true).loss).toBe(whole.forward(inputs, labels, true).loss);
    frozen.backward();
    whole.backward();
    expect([...frozen.grads.keys()]).toEqual([...whole.grads.keys()].filter((name) => !FROZEN_TABLES.includes(name)));
    for (const [name, grad] of frozen.grads) expect(Array.from(grad), name).toEqual(Array.from(whole.grads.get(name)!));
    // The tables do shape the loss: unfrozen, they get a real gradient, which freezing only leaves out.
    for (const name of FROZEN_TABLES)
      expect(
        whole.grads.get(name)!.some((g) => g !== 0),
        name,
      ).toBe(true);
    // The tied output's input gradient still reaches the blocks.
    expect(frozen.activationGrads.get('blocks.1.ln2')!.some((g) => g !== 0)).toBe(true);
  });

  it('refuses a gradient pass that moves a frozen table', () => {
    const model = new ReferenceModel(graph, batch, initial);
    model.forward(inputs, labels, true);
    expect(() => model.gradientPass({ params: new Map([['tok_emb.weight', initial.get('tok_emb.weight')!]]), grads: model.createGradients() })).toThrow(
      /"tok_emb.weight" is not a trainable parameter/,
    );
  });

  const optimizers = {
    adamw: (model: ReferenceModel) => createReferenceAdam(model, adamSchema.parse({ type: 'adamw', lr: 1e-2, weight_decay: 0.1 }) as AdamConfig),
    adafisherw: (model: ReferenceModel) =>
      createReferenceAdaFisher(model, adafisherSchema.parse({ type: 'adafisherw', lr: 1e-2, weight_decay: 0.1, tcov: 1 }) as AdaFisherConfig),
  };
  for (const [type, create] of Object.entries(optimizers)) {
    it(`keeps frozen tables bit-identical through ${type} steps with weight decay, while the rest trains`, () => {
      const model = new ReferenceModel(graph, batch, initial);
      const optimizer = create(model);
      for (let step = 0; step < 4; step++) {
        const data = randomModelBatch(100 + step, graph, batch);
        model.forward(data.inputs, data.labels, true);
        model.backward();
        optimizer.step(step, 1e-2);
      }
      for (const name of FROZEN_TABLES) expect(Array.from(model.params.get(name)!), name).toEqual(Array.from(initial.get(name)!));
      for (const name of model.grads.keys()) {
        const moved = model.params.get(name)!.some((value, i) => value !== Math.fround(initial.get(name)![i]));
        expect(moved, `${name} moved`).toBe(true);
      }
    });
  }
});

describe('frozen parameters in checkpoints', () => {
  it('saves and loads frozen tables with the rest, under their PyTorch names', () => {
    const graph = tinyPaperGpt();
    const values = initialParameters(graph, 3);
    values.get('tok_emb.weight')!.fill(0.5);
    const decoded = decodeModelCheckpoint(graph, encodeModelCheckpoint(graph, { values, numBatchesTracked: 0 }));
    expect([...decoded.values.keys()]).toEqual(parameterSpecs(graph).map((spec) => spec.name));
    for (const [name, data] of values) expect(Array.from(decoded.values.get(name)!), name).toEqual(Array.from(data));
    // A whole-model checkpoint of the unfrozen graph loads into the frozen one and back: the file does not record freezing.
    const whole = decodeModelCheckpoint(unfrozen(graph), encodeModelCheckpoint(graph, { values, numBatchesTracked: 0 }));
    expect(Array.from(whole.values.get('tok_emb.weight')!)).toEqual(Array.from(values.get('tok_emb.weight')!));
  });
});
