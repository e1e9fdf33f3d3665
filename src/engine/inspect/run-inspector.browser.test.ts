import { describe, expect, it } from 'vitest';
import { adafisherSchema, adamSchema, type OptimizerConfig } from '../config/run-config';
import type { GpuContext } from '../gpu/context';
import { readTensor } from '../gpu/transfer';
import { randomModelBatch } from '../nn/device-check';
import { GpuModel } from '../nn/gpu-model';
import type { ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import type { AdaFisherGpuOptimizer } from '../optim/adafisher';
import { preconditionerStats } from '../optim/adafisher-factors.ref';
import { createOptimizer } from '../optim/index';
import type { GpuOptimizer } from '../optim/optimizer';
import { testContext } from '../testing/gpu-test';
import { maxAbs } from '../testing/max-error';
import { tinyGraph } from '../testing/tiny-graph';
import { factorGeometry, type FactorGeometry } from './factor-geometry';
import { averageNormalized, factorShares, fullFactors, identityMatrix } from './full-factors.ref';
import type { InspectionRecord } from './inspect-types';
import { RunInspector, type RunInspectorOptions } from './run-inspector';
import { shareLayout } from './share-layout';

// Shares: ratios of float32 sums of squares of float32 gram entries; measured worst relative
// error 2.4e-7 against float64 from the same layer tensors.
const SHARE_TOLERANCE = 1e-5;
// Averaged full factors: entries in [0, 1], float32 gram then normalised by the range and
// scaled by add = 0.008; measured worst absolute error 4.4e-9.
const AVERAGE_TOLERANCE = 1e-7;
// The tie: the diagonal of gram's XᵀX / N against AdaFisher's column square means, both float32
// sums of the same squares in different orders; measured worst relative 2.2e-7.
const TIE_TOLERANCE = 1e-5;

interface Harness {
  readonly ctx: GpuContext;
  readonly graph: ModelGraph;
  readonly model: GpuModel;
  readonly optimizer: GpuOptimizer;
  readonly inspector: RunInspector;
  readonly geometries: FactorGeometry[];
  /** Trains step `step` as the trainer does; the record on measurement steps, else null. */
  step(step: number): Promise<InspectionRecord | null>;
  /** Each Linear/Conv2d layer's input and output gradient as the step left them. */
  layerValues(): Promise<Map<string, { x: Float32Array; g: Float32Array }>>;
  destroy(): void;
}

async function harness(optimizerConfig: OptimizerConfig, options: Partial<RunInspectorOptions>, batch = 2): Promise<Harness> {
  const ctx = await testContext();
  const graph = tinyGraph();
  const model = await GpuModel.create(ctx, graph, batch, { owner: `inspect-test:${optimizerConfig.type}`, initial: initialParameters(graph, 3) });
  const optimizer = await createOptimizer(model, optimizerConfig);
  const inspector = await RunInspector.create(model, optimizer, { run: 'a', every: 2, keep: 0.08, add: 0.008, fullLayers: [], fullSteps: null, ...options });
  const kronecker = model.layers.filter((layer) => layer.node.op === 'linear' || layer.node.op === 'conv2d');
  const geometries = kronecker.map((layer) => factorGeometry(layer.node as Parameters<typeof factorGeometry>[0], layer.input.shape));
  return {
    ctx,
    graph,
    model,
    optimizer,
    inspector,
    geometries,
    async step(step) {
      const { inputs, labels } = randomModelBatch(100 + step, graph, batch);
      model.writeBatch(inputs, labels);
      optimizer.prepare(step, 1e-3);
      await model.trainStep({
        then: (pass) => {
          inspector.encode(pass, step);
          optimizer.encode(pass, step);
        },
        stage: (encoder) => inspector.stage(encoder, step),
      });
      if (!inspector.isMeasurementStep(step)) {
        await ctx.device.queue.onSubmittedWorkDone();
        return null;
      }
      return inspector.read(step);
    },
    async layerValues() {
      const values = new Map<string, { x: Float32Array; g: Float32Array }>();
      for (const layer of kronecker) values.set(layer.node.name, { x: await readTensor(ctx, layer.input), g: await readTensor(ctx, layer.outputGrad) });
      return values;
    },
    destroy() {
      inspector.destroy();
      optimizer.destroy();
      model.destroy();
    },
  };
}

const adam = adamSchema.parse({ type: 'adam', lr: 1e-3 }) as OptimizerConfig;
const adafisher = adafisherSchema.parse({ type: 'adafisher', lr: 1e-3, tcov: 2 }) as OptimizerConfig;

describe('RunInspector on tinyGraph (batch 2)', () => {
  it('shares of every layer through both routes, and the averaged full factors of conv2 over 3 measurements, against float64', async () => {
    const h = await harness(adam, { fullLayers: ['conv2'] });
    try {
      // conv1 and conv2 are formed d x d; fc's rows (N = 2) are fewer than its 64 inputs and 10 outputs.
      const routes = shareLayout(
        h.geometries.filter((g) => g.layer !== 'conv2'),
        h.ctx.storageAlignment,
      ).groups.flatMap((group) => group.measurements.map((m) => `${m.layer}.${m.side}:${m.route}`));
      expect(routes).toEqual(['conv1.H:direct', 'conv1.S:direct', 'fc.H:dual', 'fc.S:dual']);
      const conv2 = h.geometries.find((g) => g.layer === 'conv2')!;
      const expectedH = identityMatrix(conv2.hSize);
      const expectedS = identityMatrix(conv2.sSize);
      let worstShare = 0;
      let worstAverage = 0;
      const measured: number[] = [];
      for (let step = 0; step < 6; step++) {
        const record = await h.step(step);
        if (!record) continue;
        measured.push(step);
        expect(record.run).toBe('a');
        expect(record.step).toBe(step);
        expect(record.fisher).toBeNull();
        const values = await h.layerValues();
        expect(record.shares.map((s) => s.layer)).toEqual(['conv1', 'conv2', 'fc']);
        for (const shares of record.shares) {
          const geometry = h.geometries.find((g) => g.layer === shares.layer)!;
          const { x, g } = values.get(shares.layer)!;
          const expected = factorShares(geometry, x, g);
          for (const side of ['h', 's'] as const) {
            const error = Math.abs(shares[side] - expected[side]) / expected[side];
            worstShare = Math.max(worstShare, error);
            expect(error, `${shares.layer}.${side} share at step ${step}: ${shares[side]} vs ${expected[side]}`).toBeLessThan(SHARE_TOLERANCE);
          }
        }
        const { x, g } = values.get('conv2')!;
        const { H, S } = fullFactors(conv2, x, g);
        averageNormalized(expectedH, H, 0.08, 0.008);
        averageNormalized(expectedS, S, 0.08, 0.008);
        expect(record.factors.map((f) => `${f.layer}.${f.side} ${f.n}`)).toEqual(['conv2.H 36', 'conv2.S 4']);
        for (const [factor, expected] of [
          [record.factors[0], expectedH],
          [record.factors[1], expectedS],
        ] as const) {
          const error = maxAbs(factor.values.map((v, i) => v - expected[i]));
          worstAverage = Math.max(worstAverage, error);
          expect(error, `${factor.layer}.${factor.side} average at step ${step}`).toBeLessThan(AVERAGE_TOLERANCE);
        }
      }
      expect(measured).toEqual([0, 2, 4]);
      // After three measurements the identity has decayed to 0.08³: the averages are the measurements'.
      expect(expectedH[0]).toBeLessThan(0.01);
      console.log(
        `RunInspector vs float64: worst share ${worstShare.toExponential(1)} (relative), worst averaged entry ${worstAverage.toExponential(1)} (absolute)`,
      );
    } finally {
      h.destroy();
    }
  });

  it("ties to AdaFisher: the full factors' diagonals are its raw h and s on the same step, and F̃ is preconditionerStats of its factors", async () => {
    const h = await harness(adafisher, { fullLayers: ['conv1', 'conv2', 'fc'], fullSteps: [2] });
    const optimizer = h.optimizer as AdaFisherGpuOptimizer;
    try {
      let worstTie = 0;
      for (let step = 0; step < 5; step++) {
        const record = await h.step(step);
        if (!record) continue;
        expect(record.factors.length, `factors read at step ${step}`).toBe(step === 2 ? 6 : 0);
        const measured = await h.inspector.readMeasuredFactors();
        const raw = await optimizer.measurements();
        for (const factor of measured) {
          const { H, S } = raw.get(factor.layer)!;
          const adafisherDiagonal = factor.side === 'H' ? H.subarray(0, factor.n) : S;
          // H without AdaFisher's bias entry (the ones column's 1, last).
          if (factor.side === 'H') expect(H.length - factor.n, `${factor.layer}'s bias entry`).toBe(factor.layer === 'conv2' ? 0 : 1);
          for (let i = 0; i < factor.n; i++) {
            const error = Math.abs(factor.values[i * factor.n + i] - adafisherDiagonal[i]) / maxAbs(adafisherDiagonal);
            worstTie = Math.max(worstTie, error);
            expect(error, `${factor.layer}.${factor.side}[${i}] at step ${step}`).toBeLessThan(TIE_TOLERANCE);
          }
        }
        // Shares of the full layers come from their full factors: check one against the definition.
        const values = await h.layerValues();
        const fc = h.geometries.find((g) => g.layer === 'fc')!;
        const expectedShares = factorShares(fc, values.get('fc')!.x, values.get('fc')!.g);
        const fcShares = record.shares.find((s) => s.layer === 'fc')!;
        expect(Math.abs(fcShares.h - expectedShares.h) / expectedShares.h).toBeLessThan(SHARE_TOLERANCE);
        expect(Math.abs(fcShares.s - expectedShares.s) / expectedShares.s).toBeLessThan(SHARE_TOLERANCE);

        const factors = await optimizer.factors();
        expect(record.fisher!.damping).toBe(1e-3);
        expect(record.fisher!.layers.map((l) => l.layer)).toEqual(['conv1', 'conv2', 'fc']);
        for (const stats of record.fisher!.layers) {
          const { H, S } = factors.get(stats.layer)!;
          expect(stats).toEqual(preconditionerStats(stats.layer, S, H, 1e-3));
        }
      }
      console.log(`RunInspector tie to AdaFisher's raw h and s: worst relative ${worstTie.toExponential(1)}`);
    } finally {
      h.destroy();
    }
  });

  it('allocates nothing after create, reads back nothing on other steps, and releases its buffers', async () => {
    const h = await harness(adafisher, { fullLayers: ['fc'], fullSteps: null }, 3);
    try {
      expect(h.inspector.stateBytes).toBe(h.ctx.pool.bytesHeldBy('inspect-test:adafisher:inspector'));
      expect(h.inspector.stateBytes).toBeGreaterThan(2 * 65 * 65 * 4);
      await h.step(0); // warm-up: AdaFisher's kept factors' staging exists from create already
      const creations = h.ctx.pool.creations;
      const buffers = h.ctx.counters.bufferCreations;
      for (let step = 1; step < 7; step++) {
        const readbacks = h.ctx.counters.readbacks;
        const submits = h.ctx.counters.submits;
        const record = await h.step(step);
        expect(h.ctx.counters.submits - submits, `submits at step ${step}`).toBe(1);
        // Measurement steps map the energies, the full average and AdaFisher's factors: three.
        expect(h.ctx.counters.readbacks - readbacks, `read-backs at step ${step}`).toBe(record ? 3 : 0);
      }
      expect(h.ctx.pool.creations).toBe(creations);
      expect(h.ctx.counters.bufferCreations).toBe(buffers);
      await expect(h.inspector.read(5)).rejects.toThrow('Inspector: read(5) needs stage(encoder, 5)');
    } finally {
      h.destroy();
    }
    expect(h.ctx.pool.bytesHeldBy('inspect-test:adafisher:inspector')).toBe(0);
  });

  it('refuses bad options with the name, the reason and what is allowed', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'inspect-test:options', initial: initialParameters(graph, 3) });
    const optimizer = await createOptimizer(model, adam);
    const base: RunInspectorOptions = { run: 'a', every: 4, keep: 0.08, add: 0.008, fullLayers: [], fullSteps: null };
    try {
      await expect(RunInspector.create(model, optimizer, { ...base, fullLayers: ['bn1'] })).rejects.toThrow(
        'Inspector: no Linear or Conv2d layer named "bn1" (layers: conv1, conv2, fc)',
      );
      await expect(RunInspector.create(model, optimizer, { ...base, every: 0 })).rejects.toThrow(
        'Inspector: every must be a whole number of steps >= 1, got 0',
      );
      await expect(RunInspector.create(model, optimizer, { ...base, fullLayers: ['fc'], fullSteps: [6] })).rejects.toThrow(
        'Inspector: full factors can be read at measurement steps only (multiples of 4 from 0), got 6',
      );
      await expect(RunInspector.create(model, optimizer, { ...base, fullLayers: ['fc', 'fc'] })).rejects.toThrow('Inspector: a layer is inspected twice');
      expect(ctx.pool.bytesHeldBy('inspect-test:options:inspector')).toBe(0);
    } finally {
      optimizer.destroy();
      model.destroy();
    }
  });
});
