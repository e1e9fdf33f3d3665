import { describe, expect, it } from 'vitest';
import { readTensor } from '../gpu/transfer';
import { randomModelBatch } from '../nn/device-check';
import { GpuModel } from '../nn/gpu-model';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { testContext } from '../testing/gpu-test';
import { tinyGraph } from '../testing/tiny-graph';
import { createClippedSgd } from './clipped-sgd';
import { createReferenceClippedSgd } from './clipped-sgd.ref';
import { maxAbs } from '../testing/max-error';

// As SGD's drift test (tinyGraph, 30 float32 steps, measured 3.5e-6 there): clipping scales
// every gradient by one float32 factor, which adds ~1e-7 relative. Measured worst 1.4e-6 (the
// norm itself: 3.4e-7 relative).
const PARAMETER_TOLERANCE = 3e-5;

describe('clipped SGD on the GPU against the float64 twin (tinyGraph, batch 2, 30 steps)', () => {
  for (const clip of [0.05, 100]) {
    it(`clip ${clip} (${clip < 1 ? 'active on every step' : 'never active'}), momentum 0.9, weight decay 5e-4`, async () => {
      const ctx = await testContext();
      const graph = tinyGraph();
      const initial = initialParameters(graph, 4);
      const model = await GpuModel.create(ctx, graph, 2, { owner: `test:clipped-sgd:${clip}`, initial });
      const reference = new ReferenceModel(graph, 2, initial);
      const settings = { lr: 0.05, momentum: 0.9, weight_decay: 5e-4, clip };
      const tail = await createClippedSgd(model, settings, 'test');
      const twin = createReferenceClippedSgd(reference, settings, 'test');
      const creations: number[] = [];
      let worst = 0;
      let worstNorm = 0;
      try {
        for (let step = 0; step < 30; step++) {
          const { inputs, labels } = randomModelBatch(100 + step, graph, 2);
          model.writeBatch(inputs, labels);
          tail.prepare(step, settings.lr);
          await model.trainStep({ then: (pass) => tail.encode(pass, step) });
          reference.forward(inputs, labels, true);
          reference.backward();
          twin.step(step, settings.lr);
          creations.push(ctx.pool.creations);
          const norm = (await readTensor(ctx, tail.normScratch))[0];
          worstNorm = Math.max(worstNorm, Math.abs(norm - twin.lastNorm) / twin.lastNorm);
          expect(twin.lastNorm > clip, 'the clip is active as intended').toBe(clip < 1);
          const params = await model.readParameters();
          const scale = Math.max(...[...reference.params.values()].map(maxAbs));
          for (const [name, values] of reference.params) {
            const gpu = params.get(name)!;
            worst = Math.max(worst, maxAbs(values.map((v, i) => v - gpu[i])) / Math.max(maxAbs(values), 1e-3 * scale));
          }
          expect(worst, `step ${step}`).toBeLessThan(PARAMETER_TOLERANCE);
        }
        console.log(`clipped SGD, clip ${clip}: worst parameter error ${worst.toExponential(2)}, worst norm error ${worstNorm.toExponential(2)}`);
        expect(worstNorm).toBeLessThan(1e-5);
        expect(new Set(creations).size, `pool creations per step: ${creations.join(', ')}`).toBe(1);
        const moved = maxAbs([...reference.params.get('fc.weight')!].map((v, i) => v - initial.get('fc.weight')![i]));
        expect(moved).toBeGreaterThan(1000 * PARAMETER_TOLERANCE * maxAbs(initial.get('fc.weight')!));
      } finally {
        tail.destroy();
        model.destroy();
      }
      expect(ctx.pool.bytesHeldBy(`test:clipped-sgd:${clip}:optimizer`)).toBe(0);
    });
  }

  it('refuses a clip that is not > 0', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'test:clipped-sgd-checks', initial: initialParameters(graph, 1) });
    try {
      await expect(createClippedSgd(model, { lr: 0.1, momentum: 0.9, weight_decay: 0, clip: 0 }, 'Shampoo')).rejects.toThrow(
        'Shampoo: clip must be > 0, got 0',
      );
    } finally {
      model.destroy();
    }
  });
});
