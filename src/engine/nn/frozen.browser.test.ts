import { describe, expect, it } from 'vitest';
import { optimizerSchema, type OptimizerConfig } from '../config/run-config';
import { createOptimizer } from '../optim/index';
import { compareTraining } from '../testing/compare-training';
import { testContext } from '../testing/gpu-test';
import { tinyGraph, tinyPaperGpt } from '../testing/tiny-graph';
import { GpuModel } from './gpu-model';
import type { ModelGraph } from './graph';
import { initialParameters } from './parameters';

const FROZEN_TABLES = ['tok_emb.weight', 'pos_emb.weight'];
const BYTES_PER_FLOAT = 4;

/** The same graph with every parameter trained. */
const unfrozen = (graph: ModelGraph): ModelGraph => ({ ...graph, frozen: undefined });

const optimizer = (options: Record<string, unknown>) => optimizerSchema.parse(options) as OptimizerConfig;

/**
 * Measured worst parameter drift from float64 over 6 steps: 6.4e-7 (AdamW) and 2.0e-7 (AdaFisherW),
 * float32 rounding of the Linear gradients; the frozen tables, never written, stay exact.
 */
const PARAMETER_TOLERANCE = 1e-5;
const LOSS_TOLERANCE = 1e-4;

/**
 * `steps` steps of `graph` on the GPU against float64 (compareTraining's seed 1), checking after
 * each that every `frozen` tensor still holds its initial value bit for bit; returns the history
 * and the largest change of a trained element.
 */
async function trainAroundFrozen(graph: ModelGraph, frozen: readonly string[], options: OptimizerConfig, steps: number) {
  const ctx = await testContext();
  const initial = initialParameters(graph, 1);
  let moved = 0;
  const history = await compareTraining(ctx, {
    graph,
    batch: 2,
    steps,
    optimizer: options,
    afterStep: async (step, _gpu, _reference, model) => {
      const values = await model.readParameters();
      for (const name of frozen) expect(Array.from(values.get(name)!), `${name} after step ${step}`).toEqual(Array.from(initial.get(name)!));
      for (const entry of model.params.layout.entries) {
        const [now, start] = [values.get(entry.name)!, initial.get(entry.name)!];
        moved = Math.max(moved, ...now.map((v, i) => Math.abs(v - start[i])));
      }
    },
  });
  return { history, moved };
}

describe('frozen embedding tables on the GPU (tinyPaperGpt)', () => {
  it('lives in its own buffer: out of params and grads, with no gradient work', async () => {
    const ctx = await testContext();
    const graph = tinyPaperGpt();
    const initial = initialParameters(graph, 3);
    const frozen = await GpuModel.create(ctx, graph, 2, { owner: 'test:frozen-layout', initial });
    const whole = await GpuModel.create(ctx, unfrozen(graph), 2, { owner: 'test:unfrozen-layout', initial });
    try {
      expect(frozen.frozen.layout.entries.map((entry) => entry.name)).toEqual(FROZEN_TABLES);
      expect(frozen.params.layout.entries.map((entry) => entry.name)).toEqual(whole.params.layout.entries.slice(2).map((entry) => entry.name));
      expect(frozen.grads.layout).toEqual(frozen.params.layout);
      for (const name of FROZEN_TABLES) expect(() => frozen.grads.view(name)).toThrow(/No tensor named/);
      expect(whole.frozen.layout.entries).toEqual([]);
      // The token scatter-add, the position sum and the tied output's weight gradient are skipped,
      // and so are the first block's q, k and v input gradients: nothing before them is trained.
      expect(whole.dispatchesPerTrainStep - frozen.dispatchesPerTrainStep).toBe(6);
      const read = await frozen.readParameters();
      for (const name of FROZEN_TABLES) expect(Array.from(read.get(name)!), `${name} set from the initial values`).toEqual(Array.from(initial.get(name)!));
    } finally {
      frozen.destroy();
      whole.destroy();
    }
  });

  for (const [type, config] of [
    // eps 1e-6: every key bias has an exactly zero gradient (softmax ignores a shift of a whole
    // row of scores), and Adam would scale its float32 noise (~1e-9) up to steps of lr.
    ['AdamW', optimizer({ type: 'adamw', lr: 1e-3, weight_decay: 0.1, eps: 1e-6 })],
    ['AdaFisherW', optimizer({ type: 'adafisherw', lr: 1e-3, weight_decay: 0.1, tcov: 2 })],
  ] as const) {
    it(`${type} with weight decay trains the rest as float64 does and leaves the frozen tables bit-identical`, async () => {
      const { history, moved } = await trainAroundFrozen(tinyPaperGpt(), FROZEN_TABLES, config, 6);
      const worst = Math.max(...history.map((h) => h.worstParameterError));
      console.info(`${type} on tiny-paper-gpt with frozen tables: worst parameter error ${worst.toExponential(2)}, largest change ${moved.toExponential(2)}`);
      // The trained parameters must move far more than the tolerance, or the drift check proves nothing.
      expect(moved).toBeGreaterThan(100 * PARAMETER_TOLERANCE);
      for (const h of history) {
        expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(PARAMETER_TOLERANCE);
        expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(LOSS_TOLERANCE * Math.max(1, h.referenceLoss));
      }
    });

    it(`${type} keeps no state for the frozen tables`, async () => {
      const ctx = await testContext();
      const graph = tinyPaperGpt();
      const initial = initialParameters(graph, 1);
      const frozen = await GpuModel.create(ctx, graph, 2, { owner: `test:${type}:frozen-state`, initial });
      const whole = await GpuModel.create(ctx, unfrozen(graph), 2, { owner: `test:${type}:unfrozen-state`, initial });
      const [frozenOptimizer, wholeOptimizer] = await Promise.all([createOptimizer(frozen, config), createOptimizer(whole, config)]);
      try {
        // One float per trainable element and moment (AdamW: m and v; AdaFisherW: momentum), plus
        // the per-tensor table, two rows shorter (AdamW's parameter-group table, 16 bytes a row;
        // AdaFisherW's update table, 32 bytes a row); the Kronecker factors are the same.
        const perElement = type === 'AdamW' ? 2 : 1;
        const saved = (whole.params.layout.totalElements - frozen.params.layout.totalElements) * BYTES_PER_FLOAT * perElement;
        const difference = wholeOptimizer.stateBytes - frozenOptimizer.stateBytes;
        expect(difference).toBeGreaterThanOrEqual(saved);
        expect(difference).toBeLessThanOrEqual(saved + 2 * (type === 'AdamW' ? 16 : 32));
      } finally {
        frozenOptimizer.destroy();
        wholeOptimizer.destroy();
        frozen.destroy();
        whole.destroy();
      }
    });
  }

  // Every optimizer maps tensors by name or walks model.params: none may expect the tables.
  for (const options of [
    { type: 'sgd', lr: 0.05, momentum: 0.9, weight_decay: 0.1 },
    { type: 'kfac', lr: 0.05, interval: 1, weight_decay: 0.1 },
    { type: 'shampoo', lr: 0.05, weight_decay: 0.1 },
    { type: 'adahessian', lr: 0.05, weight_decay: 0.1 },
  ]) {
    const name = options.type;
    it(`${name} trains around the frozen tables as float64 does`, async () => {
      const { history, moved } = await trainAroundFrozen(tinyPaperGpt(), FROZEN_TABLES, optimizer(options), 3);
      console.info(
        `${name} on tiny-paper-gpt with frozen tables: losses ${history.map((h) => h.gpuLoss.toFixed(5)).join(', ')}, largest change ${moved.toExponential(2)}`,
      );
      // Each optimizer's own drift test bounds its parameters; here the loss after its steps must follow float64.
      for (const h of history) expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(1e-3 * Math.max(1, h.referenceLoss));
      expect(moved).toBeGreaterThan(1e-3);
    });
  }
});

describe('frozen layers of a CNN on the GPU (tinyGraph)', () => {
  // conv1 and its BatchNorm frozen: nothing upstream of conv2 is trained, so the backward stops there.
  const FROZEN_FRONT = ['conv1.weight', 'conv1.bias', 'bn1.weight', 'bn1.bias'];
  const frontFrozen = (): ModelGraph => ({ ...tinyGraph(), frozen: FROZEN_FRONT });

  it('skips every gradient the frozen front does not need', async () => {
    const ctx = await testContext();
    const initial = initialParameters(tinyGraph(), 3);
    const frozen = await GpuModel.create(ctx, frontFrozen(), 2, { owner: 'test:frozen-front', initial });
    const whole = await GpuModel.create(ctx, tinyGraph(), 2, { owner: 'test:whole-front', initial });
    try {
      expect(frozen.frozen.layout.entries.map((entry) => entry.name)).toEqual(FROZEN_FRONT);
      expect(frozen.layers.map((layer) => layer.node.name)).toEqual(['conv2', 'fc']);
      // Gone: conv1's weight and bias gradients, BatchNorm's backward, ReLU's backward into bn1 and
      // conv2's input gradient (relu1 feeds conv2 and the sum, and nothing before it is trained).
      expect(whole.dispatchesPerTrainStep - frozen.dispatchesPerTrainStep).toBe(5);
    } finally {
      frozen.destroy();
      whole.destroy();
    }
  });

  for (const options of [
    { type: 'sgd', lr: 0.05, momentum: 0.9, weight_decay: 0.1 },
    { type: 'adamw', lr: 1e-3, weight_decay: 0.1 },
    { type: 'adafisher', lr: 1e-3, weight_decay: 5e-4, tcov: 1 },
    { type: 'kfac', lr: 0.05, interval: 1, weight_decay: 0.1 },
    { type: 'shampoo', lr: 0.05, weight_decay: 0.1 },
    // eps 0.1 as AdaHessian's own drift test: with its default 1e-4, lr · g / D amplifies the central
    // difference's float32 error in small D (measured 2e-2 relative loss error by step 2, frozen or not).
    { type: 'adahessian', lr: 0.01, eps: 0.1, weight_decay: 0.1 },
  ]) {
    it(`${options.type} trains around the frozen front as float64 does and leaves it bit-identical`, async () => {
      const { history, moved } = await trainAroundFrozen(frontFrozen(), FROZEN_FRONT, optimizer(options), 3);
      console.info(
        `${options.type} on tiny with a frozen front: losses ${history.map((h) => h.gpuLoss.toFixed(5)).join(', ')}, largest change ${moved.toExponential(2)}`,
      );
      for (const h of history) expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(1e-3 * Math.max(1, h.referenceLoss));
      expect(moved).toBeGreaterThan(1e-4);
    });
  }
});
