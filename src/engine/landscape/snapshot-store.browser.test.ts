import { describe, expect, it } from 'vitest';
import { parseOptimizerConfig } from '../config/run-config';
import { readTensor, writeTensor } from '../gpu/transfer';
import { GpuModel } from '../nn/gpu-model';
import { randomModelBatch } from '../nn/device-check';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { createOptimizer } from '../optim/index';
import { tinyGraph } from '../testing/tiny-graph';
import { testContext } from '../testing/gpu-test';
import { LandscapeProbe } from './landscape-probe';
import { SnapshotStore } from './snapshot-store';

// The snapshot store and the probe on a model with BatchNorm (the tiny graph): snapshots taken
// inside training steps, the Gram matrix they keep, and a perturbed-weight forward in evaluation
// mode with the centre run's running statistics, each against float64.

const graph = tinyGraph();
const BATCH = 4;

async function trainedRuns(steps: number, every: number) {
  const ctx = await testContext();
  const initial = initialParameters(graph, 5);
  const runs = await Promise.all(
    ['adam', 'sgd'].map(async (name) => {
      const model = await GpuModel.create(ctx, graph, BATCH, { owner: `store-test:${name}`, initial });
      const config = parseOptimizerConfig(name === 'adam' ? { type: 'adam', lr: 1e-3 } : { type: 'sgd', lr: 0.01, momentum: 0.9 });
      const optimizer = await createOptimizer(model, config);
      return { name, model, optimizer, lr: config.lr };
    }),
  );
  const store = await SnapshotStore.create(ctx, runs, 4, every);
  const counters = { ...ctx.counters };
  for (let step = 0; step < steps; step++) {
    const { inputs, labels } = randomModelBatch(100 + step, graph, BATCH);
    for (const [index, run] of runs.entries()) {
      run.model.writeBatch(inputs, labels);
      run.optimizer.prepare(step, run.lr);
      await run.model.trainStep({
        then: (pass) => {
          run.optimizer.encode(pass, step);
          store.encodeAfterStep(pass, index, step + 1);
        },
      });
    }
  }
  await ctx.device.queue.onSubmittedWorkDone();
  const after = { ...ctx.counters };
  const perStep = (key: keyof typeof counters) => (after[key] - counters[key]) / (steps * runs.length);
  return { ctx, runs, store, perStep, destroy: () => [store, ...runs.flatMap((run) => [run.optimizer, run.model])].forEach((item) => item.destroy()) };
}

describe('SnapshotStore', () => {
  it('snapshots inside the step (one submit, nothing created, nothing read back), thins when full, and keeps the Gram of θ − θ_0 current', async () => {
    // 4 slots, every 2 steps, 10 steps: 0, 2, 4, 6 fill them; at 8 it thins to 0, 4, 6 and doubles to 4: 0, 4, 6, 8.
    const { ctx, runs, store, perStep, destroy } = await trainedRuns(10, 2);
    try {
      expect(perStep('submits')).toBe(1);
      expect(perStep('bufferCreations')).toBe(0);
      expect(perStep('readbacks')).toBe(0);
      for (const run of store.runs) {
        expect(run.schedule.snapshots().map((s) => s.step)).toEqual([0, 4, 6, 8]);
        expect(run.schedule.every).toBe(4);
      }
      // Every held slot, read back, in float64.
      const P = store.P;
      const origin = Float64Array.from(await readTensor(ctx, store.origin));
      const rows = new Map<number, Float64Array>();
      for (const run of store.runs) {
        const all = await readTensor(ctx, run.snapshots);
        for (const { slot } of run.schedule.snapshots()) rows.set(run.first + slot, Float64Array.from(all.subarray(slot * P, (slot + 1) * P)));
      }
      // The start is an exact copy of θ_0.
      const start = rows.get(store.runs[1].first + store.runs[1].schedule.snapshots()[0].slot)!;
      expect(start).toEqual(origin);
      const gram = await readTensor(ctx, store.gram);
      let worst = 0;
      for (const [a, ra] of rows) {
        for (const [b, rb] of rows) {
          let expected = 0;
          let scale = 0;
          for (let i = 0; i < P; i++) {
            const term = (ra[i] - origin[i]) * (rb[i] - origin[i]);
            expected += term;
            scale += Math.abs(term);
          }
          worst = Math.max(worst, Math.abs(gram[a * store.rows + b] - expected) / Math.max(scale, 1e-30));
        }
      }
      // The kernel's own tests measure 6e-8 relative to Σ|terms|; the float32 snapshot values add nothing (they are exact copies).
      expect(worst).toBeLessThan(2.5e-7);
      expect(runs.length).toBe(2);
    } finally {
      destroy();
    }
  });
});

describe('LandscapeProbe', () => {
  it('measures L(c + α d_x + β d_y) in evaluation mode with the centre run’s BatchNorm statistics, as float64 does', async () => {
    const { ctx, runs, store, destroy } = await trainedRuns(3, 1);
    try {
      const P = store.P;
      const params = runs[0].model.params;
      const vector = (name: string) => ctx.pool.tensor(`probe-test:${name}`, [P], 'probe-test');
      const plane = { center: vector('center'), dirX: vector('dir-x'), dirY: vector('dir-y') };
      // Centre: sgd's weights; directions: small pseudo-random vectors (0 in the alignment gaps).
      const center = await runs[1].model.readParameters();
      const direction = (seed: number) =>
        new Map(params.layout.entries.map((entry) => [entry.name, Float32Array.from({ length: entry.size }, (_, i) => 0.05 * Math.sin(seed * 7.3 + i * 1.7))]));
      const dx = direction(1);
      const dy = direction(2);
      writeTensor(ctx, plane.center, params.pack(center));
      writeTensor(ctx, plane.dirX, params.pack(dx));
      writeTensor(ctx, plane.dirY, params.pack(dy));

      // The tiny graph takes 8 x 8 images; a fixed random set stands in for the evaluation set.
      const evaluation = randomModelBatch(7, graph, 6);
      const probe = await LandscapeProbe.create(ctx, graph, { inputs: evaluation.inputs, targets: evaluation.labels, size: 6 }, store, plane);
      try {
        probe.useStatisticsOf(runs[1].model);
        const [alpha, beta] = [0.7, -1.3];
        const loss = await probe.lossAt(alpha, beta);
        const weights = new Map<string, Float64Array>();
        for (const entry of params.layout.entries) {
          const c = center.get(entry.name)!;
          weights.set(
            entry.name,
            Float64Array.from(c, (value, i) => value + alpha * dx.get(entry.name)![i] + beta * dy.get(entry.name)![i]),
          );
        }
        // Running statistics: sgd's, which moved away from (0, 1) in its three steps.
        for (const [name, values] of center) if (!weights.has(name)) weights.set(name, Float64Array.from(values));
        expect(center.get('bn1.running_mean')!.some((v) => v !== 0)).toBe(true);
        const reference = new ReferenceModel(graph, 6, weights).forward(evaluation.inputs, evaluation.labels, false).loss;
        expect(loss).toBeCloseTo(reference, 5);
        // A snapshot's loss: adam's at step 2 (slot of step 2), with α = β = 0.
        const held = store.runs[0].schedule.snapshots().find((s) => s.step === 2)!;
        const all = await readTensor(ctx, store.runs[0].snapshots);
        const snapshot = params.unpack(all.subarray(held.slot * P, (held.slot + 1) * P));
        const snapshotWeights = new Map<string, Float64Array>([...snapshot].map(([name, values]) => [name, Float64Array.from(values)]));
        for (const [name, values] of center) if (!snapshotWeights.has(name)) snapshotWeights.set(name, Float64Array.from(values));
        const snapshotReference = new ReferenceModel(graph, 6, snapshotWeights).forward(evaluation.inputs, evaluation.labels, false).loss;
        expect(await probe.snapshotLoss(0, held.slot)).toBeCloseTo(snapshotReference, 5);
        expect(probe.forwards).toBe(2);
        expect(loss).toBeGreaterThan(0.5);
      } finally {
        probe.destroy();
      }
    } finally {
      ctx.pool.releaseOwner('probe-test');
      destroy();
    }
  });
});
