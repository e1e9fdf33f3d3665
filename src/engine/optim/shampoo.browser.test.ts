import { describe, expect, it } from 'vitest';
import { shampooSchema } from '../config/run-config';
import { randomModelBatch } from '../nn/device-check';
import { GpuModel } from '../nn/gpu-model';
import { GRAPH_INPUT, type ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { compareTraining, type StepComparison } from '../testing/compare-training';
import { testContext } from '../testing/gpu-test';
import { tinyGpt, tinyGraph } from '../testing/tiny-graph';
import { createShampoo, type GpuShampoo } from './shampoo';
import type { ReferenceShampoo, ShampooConfig } from './shampoo.ref';
import { maxAbs } from '../testing/max-error';

const shampoo = (options: Record<string, unknown> = {}): ShampooConfig => shampooSchema.parse({ type: 'shampoo', ...options });

/**
 * Drift after 30 steps, relative to each tensor's largest value. The statistics agree to float32
 * summation (measured worst 4.7e-6). Well-conditioned statistics (the convolutions') take the same
 * Newton steps on both sides. fc's statistics have rank 2 (batch 2): in float32 their null
 * eigenvalues come out near ±1e-7 λmax, some negative, so the GPU stops by the rejection rule
 * after 17 to 19 steps while the float64 twin converges after 33 or 34; the gradient has almost no
 * component along those directions, so the parameters still agree to a measured worst 3.1e-4 (fc.weight at step 29),
 * and the loss to 7.6e-6.
 */
const TINY_GRAPH: Tolerances = { parameters: 1e-3, loss: 3e-5, statistics: 2e-5 };
/** Full-rank statistics from the first step: measured worst 4.1e-5 on parameters, 1.3e-7 on the loss, 5.8e-7 on statistics. */
const FULL_RANK: Tolerances = { parameters: 2e-4, loss: 1e-6, statistics: 5e-6 };

interface Tolerances {
  readonly parameters: number;
  readonly loss: number;
  readonly statistics: number;
}

interface Drift {
  readonly history: StepComparison[];
  readonly worstStatistic: number;
  /** Newton steps, GPU and twin, of every statistic at every curvature step. */
  readonly steps: { gpu: number; twin: number; twinStop: string; gpuStop: string; param: string }[];
  readonly creations: number[];
}

async function drift(graph: ModelGraph, config: ShampooConfig, steps: number, batch = 2): Promise<Drift> {
  const ctx = await testContext();
  const creations: number[] = [];
  const newton: Drift['steps'] = [];
  let worstStatistic = 0;
  const history = await compareTraining(ctx, {
    graph,
    batch,
    steps,
    optimizer: config,
    seed: 3,
    afterStep: async (step, gpu, reference) => {
      creations.push(ctx.pool.creations);
      const gpuShampoo = gpu as GpuShampoo;
      const twin = reference as ReferenceShampoo;
      expect(await gpuShampoo.checkFactors!()).toBeNull();
      if (step % config.interval !== 0) return;
      const statistics = await gpuShampoo.readStatistics();
      // The GPU packs the matrices at the device's alignment, the twin tightly.
      gpuShampoo.table!.entries.forEach(({ offset, n }, index) => {
        const twinOffset = twin.table!.entries[index].offset;
        const expected = twin.statistics.subarray(twinOffset, twinOffset + n * n);
        const actual = statistics.subarray(offset, offset + n * n);
        worstStatistic = Math.max(worstStatistic, maxAbs(actual.map((v, i) => v - expected[i])) / maxAbs(expected));
      });
      (await gpuShampoo.readRootStates()).forEach((state, index) => {
        const expected = twin.lastRoots[index];
        newton.push({ gpu: state.iterations, twin: expected.iterations, gpuStop: state.stop, twinStop: expected.stop, param: twin.plan.factors[index].param });
      });
    },
  });
  return { history, worstStatistic, steps: newton, creations };
}

function expectClose(name: string, { history, worstStatistic, creations }: Drift, tolerances: Tolerances): void {
  const worst = Math.max(...history.map((h) => h.worstParameterError));
  const worstLoss = Math.max(...history.map((h) => Math.abs(h.gpuLoss - h.referenceLoss) / Math.max(1, Math.abs(h.referenceLoss))));
  console.log(
    `Shampoo ${name}: worst parameter error ${worst.toExponential(2)}, loss ${worstLoss.toExponential(2)}, statistics ${worstStatistic.toExponential(2)}`,
  );
  for (const h of history) {
    expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(tolerances.parameters);
    expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(tolerances.loss * Math.max(1, Math.abs(h.referenceLoss)));
  }
  expect(worstStatistic).toBeLessThan(tolerances.statistics);
  // The parameters must move far more than the tolerance, or the comparison proves nothing.
  expect(history.at(-1)!.referenceLoss).not.toBe(history[0].referenceLoss);
  expect(new Set(creations).size, `pool creations per step: ${creations.join(', ')}`).toBe(1);
}

/**
 * The GPT's statistics are ill conditioned (N(0, 0.02) weights, 10 rows a step): many stop after
 * 18 to 24 Newton steps, and the preconditioner amplifies the gradient's weak directions by up to
 * (λmax / 1e-12)^(1/4), float32 noise in them included; measured worst 5.2e-4 on parameters
 * (already 1.2e-4 after the first step) and 3.9e-4 on statistics, 6.3e-8 on the loss.
 */
const TINY_GPT: Tolerances = { parameters: 2e-3, loss: 1e-6, statistics: 1.5e-3 };

describe('Shampoo on the GPU against the float64 twin', () => {
  it('tinyGraph (conv, BatchNorm, residual, linear), 30 steps at the paper settings: interval 1, momentum 0.9, clip 1', async () => {
    const result = await drift(tinyGraph(), shampoo({ lr: 0.05, momentum: 0.9, weight_decay: 5e-4, clip: 1 }), 30);
    expectClose('interval 1', result, TINY_GRAPH);
    // The convolutions' statistics are well conditioned: both converge, at most one step apart
    // (where max|M - I| lands next to 1e-6).
    const conv = result.steps.filter((s) => s.param !== 'fc.weight');
    expect(conv.every((s) => Math.abs(s.gpu - s.twin) <= 1 && s.gpuStop === 'converged' && s.twinStop === 'converged')).toBe(true);
    // fc's start at rank 2 and gain 2 a step: float32 stops the early ones by the rejection rule,
    // float64 converges; the GPU's root stays finite either way (checkFactors above).
    const fc = result.steps.filter((s) => s.param === 'fc.weight');
    expect(fc.slice(0, 2).every((s) => s.gpuStop === 'rejected' && s.twinStop === 'converged')).toBe(true);
    console.log(
      `Newton steps, conv: ${[...new Set(conv.map((s) => s.gpu))].sort().join(', ')}; fc (GPU/twin): ${fc.map((s) => `${s.gpu}/${s.twin}`).join(' ')}`,
    );
  });

  it('tinyGraph, 12 steps with statistics every 4 steps (batch 16, fc without its 64-wide side: full-rank statistics)', async () => {
    // Between curvature steps a new gradient meets the last roots. Where a statistic is
    // rank-deficient, its null space is where float32 and float64 roots differ most (see above),
    // so this case keeps every statistic full rank from the first step.
    expectClose('interval 4', await drift(tinyGraph(), shampoo({ lr: 0.05, momentum: 0.5, interval: 4, clip: 0.5, max_factor_dim: 32 }), 12, 16), FULL_RANK);
  });

  it("tinyGpt with max_factor_dim 10: the 11-word vocabulary and the MLP's 12-wide sides get no statistic, 10 steps", async () => {
    const config = shampoo({ lr: 0.01, max_factor_dim: 10, clip: 10 });
    const result = await drift(tinyGpt(), config, 10);

    expectClose('tinyGpt', result, TINY_GPT);
    const ctx = await testContext();
    const graph = tinyGpt();
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'test:shampoo-gpt', initial: initialParameters(graph, 1) });
    try {
      const optimizer = await createShampoo(model, config);
      expect(optimizer.plan.skipped).toContainEqual({ param: 'tok_emb.weight', dim: 0, n: 11 });
      expect(Math.max(...optimizer.table!.entries.map((entry) => entry.n))).toBe(8);
      optimizer.destroy();
    } finally {
      model.destroy();
    }
  });

  it('names the parameter, dimension and step of the first root that turned non-finite', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const initial = initialParameters(graph, 1);
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'test:shampoo-nan', initial });
    try {
      const optimizer = await createShampoo(model, shampoo({ lr: 0.01, interval: 2 }));
      const train = async (step: number) => {
        const { inputs, labels } = randomModelBatch(step, graph, 2);
        model.writeBatch(inputs, labels);
        optimizer.prepare(step, 0.01);
        await model.trainStep({ then: (pass) => optimizer.encode(pass, step) });
      };
      await train(0);
      await train(1);
      expect(await optimizer.checkFactors!()).toBeNull();
      // A NaN weight makes the loss and every gradient NaN: the first statistic's root goes first.
      const params = await model.readParameters();
      params.get('fc.weight')!.fill(NaN);
      model.writeParameters(params);
      await train(2);
      const message = 'Shampoo: the preconditioner of conv1.weight for dimension 0 (4 x 4) became non-finite at step 2';
      expect(await optimizer.checkFactors!()).toBe(message);
      await train(3);
      await train(4);
      expect(await optimizer.checkFactors!()).toBe(message);
      // As the trainer checks on a metrics step: the status rides in the step's own submit.
      const { inputs, labels } = randomModelBatch(5, graph, 2);
      model.writeBatch(inputs, labels);
      optimizer.prepare(5, 0.01);
      const submits = ctx.counters.submits;
      await model.trainStep({ readMetrics: true, then: (pass) => optimizer.encode(pass, 5), stage: (encoder) => optimizer.stageFactorCheck!(encoder) });
      expect(await optimizer.checkFactors!()).toBe(message);
      expect(ctx.counters.submits - submits).toBe(1);
      optimizer.destroy();
      expect(ctx.pool.bytesHeldBy('test:shampoo-nan:optimizer')).toBe(0);
    } finally {
      model.destroy();
    }
  });

  it("refuses a statistic larger than the device's storage buffer limit, naming the parameter, the size and max_factor_dim", async () => {
    const ctx = await testContext();
    const limit = Math.min(ctx.adapter.maxStorageBufferBindingSize, ctx.adapter.maxBufferSize);
    const inputs = Math.ceil(Math.sqrt(limit / 4)) + 1;
    const graph: ModelGraph = {
      preset: 'wide-regression',
      task: 'tabular-classification',
      init: 'pytorch',
      inputShape: [inputs],
      classes: 2,
      output: 'logits',
      nodes: [{ op: 'linear', name: 'fc', input: GRAPH_INPUT, output: 'logits', inFeatures: inputs, outFeatures: 2, bias: false }],
    };
    const model = await GpuModel.create(ctx, graph, 1, { owner: 'test:shampoo-limit', initial: initialParameters(graph, 1) });
    try {
      await expect(createShampoo(model, shampoo({ lr: 0.1, max_factor_dim: inputs }))).rejects.toThrow(
        `Shampoo: the statistic of fc.weight along dimension 1 is ${inputs} x ${inputs} (${inputs * inputs * 4} bytes), over this device's storage buffer limit of ${limit} bytes; ` +
          `set optimizer.max_factor_dim below ${inputs} (now ${inputs}) to leave that dimension without a statistic`,
      );
      expect(ctx.pool.bytesHeldBy('test:shampoo-limit:optimizer')).toBe(0);
      // The default limit of 4096 leaves that side out, and the optimizer is made.
      const optimizer = await createShampoo(model, shampoo({ lr: 0.1 }));
      expect(optimizer.plan.factors.map((f) => f.n)).toEqual([2]);
      optimizer.destroy();
    } finally {
      model.destroy();
    }
  });
});
