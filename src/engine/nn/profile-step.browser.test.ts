import { describe, expect, it } from 'vitest';
import { optimizerSchema } from '../config/run-config';
import { createGpuContext, type GpuContext } from '../gpu/context';
import { WHOLE_MODEL } from '../gpu/step-profile';
import { hasTimestampQuery, type ProfileMethod } from '../gpu/step-recorder';
import { createOptimizer } from '../optim/index';
import type { GpuOptimizer } from '../optim/optimizer';
import { testContext } from '../testing/gpu-test';
import { tinyGraph } from '../testing/tiny-graph';
import { randomModelBatch } from './device-check';
import { GpuModel, LOSS_LAYER } from './gpu-model';
import { initialParameters } from './parameters';
import { profileTrainStep } from './profile-step';

const BATCH = 2;
const LR = 1e-2;

interface Trained {
  model: GpuModel;
  optimizer: GpuOptimizer;
}

async function build(ctx: GpuContext, owner: string, optimizer: Record<string, unknown>): Promise<Trained> {
  const graph = tinyGraph();
  const model = await GpuModel.create(ctx, graph, BATCH, { owner, initial: initialParameters(graph, 3) });
  const { inputs, labels } = randomModelBatch(4, graph, BATCH);
  model.writeBatch(inputs, labels);
  return { model, optimizer: await createOptimizer(model, optimizerSchema.parse(optimizer)) };
}

async function step({ model, optimizer }: Trained, at: number): Promise<number> {
  optimizer.prepare(at, LR);
  const metrics = await model.trainStep({ readMetrics: true, then: (pass) => optimizer.encode(pass, at) });
  return metrics!.loss;
}

async function profiledStep({ model, optimizer }: Trained, at: number, method: ProfileMethod) {
  optimizer.prepare(at, LR);
  return profileTrainStep(model, [{ phase: 'optimizer', encode: (pass) => optimizer.encode(pass, at) }], { method });
}

/** The ops a real pass of the same step is given, in order (pipelines are labelled with their op). */
function opsOfStep({ model, optimizer }: Trained, ctx: GpuContext, at: number): string[] {
  const ops: string[] = [];
  const encoder = ctx.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  const setPipeline = pass.setPipeline.bind(pass);
  pass.setPipeline = (pipeline) => {
    ops.push(pipeline.label);
    setPipeline(pipeline);
  };
  optimizer.prepare(at, LR);
  model.encodeTrainStep(pass);
  model.numBatchesTracked--; // nothing ran
  optimizer.encode(pass, at);
  pass.end();
  encoder.finish();
  return ops;
}

const OPTIMIZERS = [
  { type: 'adam', lr: LR },
  { type: 'adafisher', lr: LR, tcov: 2 },
  { type: 'kfac', variant: 'asdl', lr: LR, interval: 2 },
  // Its Newton iterations are indirect dispatches.
  { type: 'shampoo', lr: LR, interval: 1, clip: 1 },
];

describe('profileTrainStep', () => {
  it('asks nothing of the device when no profile is asked for: no query set, no buffer, one submit a step', async () => {
    const ctx = await createGpuContext();
    let querySets = 0;
    const createQuerySet = ctx.device.createQuerySet.bind(ctx.device);
    ctx.device.createQuerySet = (descriptor) => {
      querySets++;
      return createQuerySet(descriptor);
    };
    try {
      const run = await build(ctx, 'off', { type: 'adafisher', lr: LR, tcov: 2 });
      await step(run, 0);
      const before = { ...ctx.counters, pool: ctx.pool.creations };
      for (let at = 1; at < 4; at++) await step(run, at);
      expect(ctx.counters.submits - before.submits).toBe(3);
      expect(ctx.counters.bufferCreations - before.bufferCreations).toBe(0);
      expect(ctx.pool.creations - before.pool).toBe(0);
      expect(querySets).toBe(0);
    } finally {
      ctx.destroy();
    }
  });

  for (const config of OPTIMIZERS) {
    it(`${config.type}: lists every dispatch of the step once, in order, tagged by layer and phase`, async () => {
      const ctx = await testContext();
      const run = await build(ctx, `order-${config.type}`, config);
      try {
        await step(run, 0);
        const expected = opsOfStep(run, ctx, 2);
        const { profile } = await profiledStep(run, 2, 'op-by-op');
        expect(profile.method).toBe('op-by-op');
        expect(profile.dispatches.map((d) => d.op)).toEqual(expected);
        expect(profile.dispatches.filter((d) => d.phase !== 'optimizer')).toHaveLength(run.model.dispatchesPerTrainStep);
        // The model's dispatches come first: forward, loss, backward; then the optimizer's.
        const phases = profile.dispatches.map((d) => d.phase);
        expect(phases.indexOf('backward')).toBeGreaterThan(phases.lastIndexOf('forward'));
        expect(phases.indexOf('optimizer')).toBeGreaterThan(phases.lastIndexOf('backward'));
        // The page's clock is coarse (0.1 ms without cross-origin isolation): a dispatch can read 0.
        expect(profile.dispatches.every((d) => Number.isFinite(d.ms) && d.ms >= 0)).toBe(true);
        expect(profile.total_ms).toBeGreaterThan(0);
        expect(profile.by_phase.map((g) => g.name)).toEqual(['forward', 'backward', 'optimizer']);
        expect(profile.by_phase.reduce((sum, g) => sum + g.dispatches, 0)).toBe(expected.length);
        expect(profile.by_layer.reduce((sum, g) => sum + g.ms, 0)).toBeCloseTo(profile.total_ms, 9);
        const forwardLayers = [...new Set(profile.dispatches.filter((d) => d.phase === 'forward').map((d) => d.layer))];
        expect(forwardLayers).toEqual(['conv1', 'bn1', 'relu1', 'conv2', 'sum', 'pool', 'fc', LOSS_LAYER]);
        expect(profile.submit_overhead_ms).toBeGreaterThan(0);
        if (config.type === 'adam') expect(profile.by_layer.find((g) => g.name === WHOLE_MODEL)?.phases).toEqual({ optimizer: expect.any(Number) });
        // AdaFisher measures its factors at step 2 (tcov 2), layer by layer.
        if (config.type === 'adafisher') expect(profile.dispatches.some((d) => d.phase === 'optimizer' && d.layer === 'bn1')).toBe(true);
        // K-FAC's sampled-label backward is optimizer time, under the layers it goes through.
        if (config.type === 'kfac') expect(profile.dispatches.some((d) => d.phase === 'optimizer' && d.layer === 'conv2')).toBe(true);
      } finally {
        run.optimizer.destroy();
        run.model.destroy();
      }
    });
  }

  it('op by op trains exactly as the one-submit step: the same loss and weights, bit for bit', async () => {
    const ctx = await testContext();
    for (const config of OPTIMIZERS) {
      const plain = await build(ctx, `plain-${config.type}`, config);
      const profiled = await build(ctx, `profiled-${config.type}`, config);
      try {
        for (let at = 0; at < 2; at++) expect(await step(profiled, at)).toBe(await step(plain, at));
        const expected = await step(plain, 2);
        const { metrics } = await profiledStep(profiled, 2, 'op-by-op');
        expect(Object.is(metrics.loss, expected), `${config.type}: ${metrics.loss} vs ${expected}`).toBe(true);
        // The next step starts from the same weights and optimizer state.
        expect(await step(profiled, 3)).toBe(await step(plain, 3));
        const [a, b] = await Promise.all([plain.model.readParameters(), profiled.model.readParameters()]);
        for (const [name, values] of a) expect(Array.from(b.get(name)!), `${config.type}: ${name}`).toEqual(Array.from(values));
      } finally {
        for (const run of [plain, profiled]) {
          run.optimizer.destroy();
          run.model.destroy();
        }
      }
    }
  });

  it('times with timestamp queries on a device that asked for them, the same dispatches and the same loss', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter?.features.has('timestamp-query')) return; // this adapter offers none: op by op is the only way
    const ctx = await createGpuContext({ timestampQuery: true });
    try {
      expect(hasTimestampQuery(ctx.device)).toBe(true);
      const plain = await build(ctx, 'ts-plain', OPTIMIZERS[1]);
      const profiled = await build(ctx, 'ts-profiled', OPTIMIZERS[1]);
      for (let at = 0; at < 2; at++) expect(await step(profiled, at)).toBe(await step(plain, at));
      const expected = opsOfStep(profiled, ctx, 2);
      const { profile, metrics } = await profiledStep(profiled, 2, 'timestamps');
      expect(metrics.loss).toBe(await step(plain, 2));
      expect(profile.method).toBe('timestamps');
      expect(profile.dispatches.map((d) => d.op)).toEqual(expected);
      expect(profile.submit_overhead_ms).toBeNull();
      expect(profile.total_ms).toBeGreaterThan(0);
    } finally {
      ctx.destroy();
    }
  });
});
