import { describe, expect, it } from 'vitest';
import { kfacSchema } from '../config/run-config';
import { readTensor } from '../gpu/transfer';
import { randomModelBatch } from '../nn/device-check';
import type { ModelGraph } from '../nn/graph';
import { GpuModel } from '../nn/gpu-model';
import { initialParameters } from '../nn/parameters';
import { irisMlp } from '../nn/presets';
import { compareTraining, type StepComparison } from '../testing/compare-training';
import { testContext } from '../testing/gpu-test';
import { tinyGraph } from '../testing/tiny-graph';
import { createNotebookKfac, type GpuNotebookKfac } from './kfac-notebook';
import type { ReferenceNotebookKfac } from './kfac-notebook.ref';
import type { KfacConfig } from './kfac.ref';

const notebook = (options: Record<string, unknown> = {}): KfacConfig => kfacSchema.parse({ type: 'kfac', variant: 'notebook', lr: 0.001, ...options });

function relativeError(gpu: ArrayLike<number>, reference: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    worst = Math.max(worst, Math.abs(gpu[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return worst / Math.max(scale, 1e-30);
}

interface DriftCase {
  name: string;
  graph: ModelGraph;
  batch: number;
  config: KfacConfig;
  parameterTolerance: number;
  lossTolerance: number;
  /** Whether the KL clip should act on some steps (ν < 1). */
  clips: boolean;
}

const cases: DriftCase[] = [
  {
    name: 'interval 3, inverse_interval 10, kl_clip 1e-3, lr 0.01',
    graph: tinyGraph(),
    batch: 2,
    config: notebook({ lr: 0.01, interval: 3, inverse_interval: 10 }),
    // Measured worst 4.7e-6 (parameters) and 2.4e-6 (loss); ν < 1 on every step.
    parameterTolerance: 3e-5,
    lossTolerance: 3e-5,
    clips: true,
  },
  {
    name: 'interval 1, inverse_interval 5, weight decay 5e-4 from step 20, lr 0.005',
    graph: tinyGraph(),
    batch: 2,
    config: notebook({ lr: 0.005, interval: 1, inverse_interval: 5, weight_decay: 5e-4 }),
    // Measured worst 1.7e-5 (parameters) and 3.0e-6 (loss); ν < 1 on 14 of the 30 steps.
    parameterTolerance: 1e-4,
    lossTolerance: 3e-5,
    clips: true,
  },
  {
    name: "the Iris MLP at the notebook's settings (lr 0.001, batch 10)",
    graph: irisMlp(),
    batch: 10,
    config: notebook(),
    // Measured worst 1.5e-7 (parameters) and 1.2e-7 (loss); the KL clip never acts at lr 0.001.
    parameterTolerance: 2e-6,
    lossTolerance: 2e-6,
    clips: false,
  },
];

describe('notebook K-FAC on the GPU against the float64 twin', () => {
  for (const { name, graph, batch, config, parameterTolerance, lossTolerance, clips } of cases) {
    it(`${graph.preset}, batch ${batch}, 30 steps: ${name}`, async () => {
      const ctx = await testContext();
      const creations: number[] = [];
      let worstFactor = 0;
      let worstValues = 0;
      let clipped = 0;
      const history: StepComparison[] = await compareTraining(ctx, {
        graph,
        batch,
        steps: 30,
        optimizer: config,
        seed: 5,
        afterStep: async (step, gpu, reference) => {
          creations.push(ctx.pool.creations);
          const twin = reference as ReferenceNotebookKfac;
          if (twin.lastKlScale < 1) clipped++;
          if (step % config.inverse_interval !== 0) return;
          for (const layer of (gpu as GpuNotebookKfac).layers) {
            const factors = twin.factors.get(layer.layer.name)!;
            const eigen = twin.eigen.get(layer.layer.name)!;
            worstFactor = Math.max(
              worstFactor,
              relativeError(await readTensor(ctx, layer.A), factors.A),
              relativeError(await readTensor(ctx, layer.G), factors.G),
            );
            const sorted = (values: ArrayLike<number>) => Array.from(values).sort((a, b) => a - b);
            worstValues = Math.max(
              worstValues,
              relativeError(sorted(await readTensor(ctx, layer.dA)), sorted(eigen.A.values)),
              relativeError(sorted(await readTensor(ctx, layer.dG)), sorted(eigen.G.values)),
            );
          }
        },
      });
      const worst = Math.max(...history.map((h) => h.worstParameterError));
      const worstLoss = Math.max(...history.map((h) => Math.abs(h.gpuLoss - h.referenceLoss) / Math.max(1, Math.abs(h.referenceLoss))));
      console.log(
        `notebook K-FAC ${name}: worst parameter error ${worst.toExponential(2)}, loss ${worstLoss.toExponential(2)}, factors ${worstFactor.toExponential(2)}, eigenvalues ${worstValues.toExponential(2)}, KL-clipped steps ${clipped}`,
      );
      for (const h of history) {
        expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(parameterTolerance);
        expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(lossTolerance * Math.max(1, Math.abs(h.referenceLoss)));
      }
      // At the eigen steps: the running factors and their eigenvalues, measured worst 1.5e-6 of their largest entry.
      expect(worstFactor).toBeLessThan(1e-5);
      expect(worstValues).toBeLessThan(1e-5);
      expect(clipped > 0).toBe(clips);
      expect(history[29].referenceLoss).not.toBe(history[0].referenceLoss);
      expect(new Set(creations).size, `pool creations per step: ${creations.join(', ')}`).toBe(1);
    });
  }

  it('reports a factor that turns non-finite with its layer and step', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'test:kfac-notebook-status', initial: initialParameters(graph, 3) });
    const optimizer = await createNotebookKfac(model, notebook({ interval: 1, inverse_interval: 2 }));
    try {
      const run = async (step: number) => {
        const { inputs, labels } = randomModelBatch(step, graph, 2);
        model.writeBatch(inputs, labels);
        optimizer.prepare(step, 0.001);
        await model.trainStep({ then: (pass) => optimizer.encode(pass, step) });
      };
      for (let step = 0; step < 2; step++) await run(step);
      expect(await optimizer.checkFactors()).toBeNull();
      // NaN output-layer weights: every G turns NaN at the next measurement; conv1's A stays finite.
      const fc = model.params.view('fc.weight');
      ctx.device.queue.writeBuffer(fc.buffer, fc.offset, new Float32Array(fc.size).fill(NaN));
      await run(2);
      expect(await optimizer.checkFactors()).toBe("K-FAC: layer conv1's factor G became non-finite at step 3");
    } finally {
      optimizer.destroy();
      model.destroy();
    }
    expect(ctx.pool.bytesHeldBy('test:kfac-notebook-status:optimizer')).toBe(0);
  });
});
