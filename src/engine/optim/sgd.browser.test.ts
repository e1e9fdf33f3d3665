import { describe, expect, it } from 'vitest';
import { sgdSchema, type ScheduleConfig } from '../config/run-config';
import { readTensor } from '../gpu/transfer';
import { GpuModel } from '../nn/gpu-model';
import { initialParameters } from '../nn/parameters';
import { testContext } from '../testing/gpu-test';
import { tinyGraph } from '../testing/tiny-graph';
import { compareTraining, type StepComparison } from '../testing/compare-training';
import { createSgd, type GpuSgd } from './sgd';
import type { ReferenceSgd } from './sgd.ref';
import { maxAbs } from '../testing/max-error';

const sgd = (options: Record<string, unknown>) => sgdSchema.parse({ type: 'sgd', ...options });

/** Elements of a flat buffer outside every entry (alignment padding). */
function paddingValues(model: GpuModel, flat: Float32Array): number[] {
  const inside = new Uint8Array(flat.length);
  for (const entry of model.params.layout.entries) inside.fill(1, entry.offset, entry.offset + entry.size);
  return [...flat].filter((_, i) => !inside[i]);
}

/**
 * Parameter drift after 30 float32 steps, relative to each tensor's largest value (also used
 * for the momentum buffer, relative to its largest entry over the model). The gradients differ
 * from float64 by ~1e-6 relative and SGD only adds lr times those errors: measured worst 3.5e-6.
 */
const PARAMETER_TOLERANCE = 3e-5;
const LOSS_TOLERANCE = 1e-4;

const cases: { name: string; config: ReturnType<typeof sgd>; schedule?: ScheduleConfig }[] = [
  { name: 'plain, lr 0.05', config: sgd({ lr: 0.05 }) },
  { name: 'momentum 0.9, weight decay 5e-4', config: sgd({ lr: 0.05, momentum: 0.9, weight_decay: 5e-4 }) },
  { name: 'momentum 0.9, dampening 0.3', config: sgd({ lr: 0.05, momentum: 0.9, dampening: 0.3 }) },
  {
    name: 'nesterov 0.9, cosine schedule with warm-up',
    config: sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 5e-4 }),
    schedule: { type: 'cosine', warmup_steps: 5, final_fraction: 0.1 },
  },
];

describe('SGD on the GPU against the float64 reference (tinyGraph, batch 2, 30 steps)', () => {
  for (const { name, config, schedule } of cases) {
    it(name, async () => {
      const ctx = await testContext();
      const creations: number[] = [];
      let stateChecked = false;
      let stateError = 0;
      const history: StepComparison[] = await compareTraining(ctx, {
        graph: tinyGraph(),
        batch: 2,
        steps: 30,
        optimizer: config,
        schedule,
        seed: 7,
        afterStep: async (step, gpu, reference, model) => {
          creations.push(ctx.pool.creations);
          if (step !== 29) return;
          const params = await readTensor(ctx, model.params.whole);
          expect(maxAbs(paddingValues(model, params)), 'parameter padding').toBe(0);
          const buffer = (gpu as GpuSgd).momentumBuffer;
          const expected = (reference as ReferenceSgd).momentumBuffers;
          expect(buffer === null).toBe(config.momentum === 0);
          if (buffer) {
            const flat = await readTensor(ctx, buffer);
            expect(maxAbs(paddingValues(model, flat)), 'momentum padding').toBe(0);
            // Relative to the largest buffer entry of the whole model, not of each tensor:
            // conv1.bias feeds BatchNorm, so its true gradient and buffer are 0 (float64 keeps
            // ~1e-18, float32 ~1e-9 of rounding noise) and a per-tensor ratio would be noise over noise.
            const scale = Math.max(...[...expected.values()].map(maxAbs));
            for (const [param, values] of model.params.unpack(flat)) {
              const ref = expected.get(param)!;
              const diff = maxAbs(values.map((v, i) => v - ref[i]));
              expect(diff / scale, `momentum buffer of ${param}`).toBeLessThan(PARAMETER_TOLERANCE);
              stateError = Math.max(stateError, diff / scale);
            }
          }
          stateChecked = true;
        },
      });
      expect(stateChecked).toBe(true);
      const worst = Math.max(...history.map((h) => h.worstParameterError));
      const worstLoss = Math.max(...history.map((h) => Math.abs(h.gpuLoss - h.referenceLoss) / Math.max(1, Math.abs(h.referenceLoss))));
      console.log(
        `SGD ${name}: worst parameter error ${worst.toExponential(2)}, worst loss error ${worstLoss.toExponential(2)}, momentum error ${stateError.toExponential(2)}`,
      );
      for (const h of history) {
        expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(PARAMETER_TOLERANCE);
        expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(LOSS_TOLERANCE * Math.max(1, Math.abs(h.referenceLoss)));
      }
      // The parameters must actually move, or the drift check above proves nothing.
      expect(history[29].referenceLoss).not.toBe(history[0].referenceLoss);
      expect(new Set(creations).size, `pool creations per step: ${creations.join(', ')}`).toBe(1);
      // No loss-falls check: compareTraining draws fresh random images and random labels each
      // step, so there is nothing to learn beyond label frequencies; learning is tested on real data elsewhere.
    });
  }

  it('holds one momentum buffer (or none), rejects bad nesterov settings, and checks prepare/encode order', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const model = await GpuModel.create(ctx, graph, 2, { owner: 'test:sgd', initial: initialParameters(graph, 1) });
    try {
      const paramBytes = model.params.whole.size * 4;
      // Four float32 scalars (16 bytes) and the parameter-group table (16 bytes per trained tensor).
      const fixed = 16 + 16 * model.params.layout.entries.length;
      const plain = await createSgd(model, sgd({ lr: 0.1 }));
      expect(plain.stateBytes).toBe(fixed);
      plain.destroy();
      expect(plain.stateBytes).toBe(0);
      const momentum = await createSgd(model, sgd({ lr: 0.1, momentum: 0.9 }));
      expect(momentum.stateBytes).toBe(fixed + paramBytes);
      expect(() => momentum.encode({} as GPUComputePassEncoder, 0)).toThrow('SGD: encode(step 0) needs prepare(0) first (last prepared: -1)');
      expect(() => momentum.prepare(-1, 0.1)).toThrow('SGD: step must be a whole number >= 0, got -1');
      momentum.destroy();
      await expect(createSgd(model, sgd({ lr: 0.1, nesterov: true }))).rejects.toThrow('SGD: Nesterov momentum requires momentum > 0 and dampening = 0');
      await expect(createSgd(model, sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5, nesterov: true }))).rejects.toThrow('dampening = 0');
      expect(ctx.pool.bytesHeldBy('test:sgd:optimizer')).toBe(0);
    } finally {
      model.destroy();
    }
  });
});
