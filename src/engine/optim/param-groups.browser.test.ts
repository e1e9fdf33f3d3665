import { describe, expect, it } from 'vitest';
import { optimizerSchema, type ParamGroupConfig } from '../config/run-config';
import { initialParameters } from '../nn/parameters';
import { compareTraining } from '../testing/compare-training';
import { testContext } from '../testing/gpu-test';
import { tinyGpt } from '../testing/tiny-graph';
import { graphWithGroups, resolveParameterGroups } from './param-groups';

/** GPU vs float64 parameter drift after 6 steps, relative to each tensor's largest value (measured below 1e-6). */
const PARAMETER_TOLERANCE = 1e-5;
const LOSS_TOLERANCE = 1e-4;
const STEPS = 6;

/**
 * Three groups on tinyGpt: the embedding tables at 5× the optimizer's lr without weight decay,
 * the LayerNorm weights at half its lr with 4× its weight decay, and every bias at lr 0, which
 * must hold them exactly where they started while the rest moves.
 */
const GROUPS: ParamGroupConfig[] = [
  { params: ['tok_emb.*', 'pos_emb.*'], weight_decay: 0 },
  { params: '*.ln*.weight', weight_decay: 0.4 },
  { params: '*.bias', lr: 0 },
];

const cases = [
  // eps 1e-6: key biases have an exactly zero gradient; Adam would scale float32 noise up to steps of lr.
  { type: 'adam', lr: 1e-3, weight_decay: 0.1, eps: 1e-6 },
  { type: 'adamw', lr: 1e-3, weight_decay: 0.1, eps: 1e-6 },
  { type: 'sgd', lr: 0.05, momentum: 0.9, weight_decay: 0.1 },
  { type: 'adafisher', lr: 1e-3, weight_decay: 0.1, tcov: 2 },
  { type: 'adafisherw', lr: 1e-3, weight_decay: 0.1, tcov: 2 },
  // K-FAC and Shampoo: the groups act in their clipped-SGD tail, after the preconditioner.
  { type: 'kfac', lr: 0.05, interval: 1, weight_decay: 0.1 },
  // Shampoo's float32 inverse roots drift from float64 on their own (its tinyGpt test, same settings, allows 2e-3); measured 3.8e-4 here.
  { type: 'shampoo', lr: 0.01, weight_decay: 0.1, max_factor_dim: 10, clip: 10, tolerance: 1e-3 },
  // AdaHessian's float32 central difference gives D a relative error that its first, Newton-like step passes on (adahessian.browser.test.ts
  // allows 5e-3 on parameters and 5e-4 on the loss, and uses a larger eps for it, as here); measured 7.3e-4 and 1.4e-4.
  { type: 'adahessian', lr: 0.3, eps: 0.1, weight_decay: 0.1, tolerance: 2e-3, lossTolerance: 5e-4 },
] as const;

describe('parameter groups on the GPU against the float64 twin (tinyGpt, batch 2)', () => {
  for (const options of cases) {
    it(`${options.type}: each group moves with its own lr and weight decay; an lr-0 group stays put`, async () => {
      const ctx = await testContext();
      const {
        tolerance = PARAMETER_TOLERANCE,
        lossTolerance = LOSS_TOLERANCE,
        ...settings
      } = options as typeof options & { tolerance?: number; lossTolerance?: number };
      const config = optimizerSchema.parse(settings);
      const groups = [{ ...GROUPS[0], lr: 5 * config.lr }, { ...GROUPS[1], lr: config.lr / 2 }, GROUPS[2]];
      const graph = tinyGpt();
      const resolved = resolveParameterGroups(graph, groups, config, 'test');
      const initial = initialParameters(graph, 1); // compareTraining's seed
      const moved = new Map<string, number>();
      const history = await compareTraining(ctx, {
        graph: graphWithGroups(graph, resolved),
        batch: 2,
        steps: STEPS,
        optimizer: config,
        groups: resolved,
        afterStep: async (step, _gpu, _reference, model) => {
          const values = await model.readParameters();
          for (const entry of model.params.layout.entries) {
            const [now, start] = [values.get(entry.name)!, initial.get(entry.name)!];
            if (entry.name.endsWith('.bias')) expect(Array.from(now), `${entry.name} after step ${step}`).toEqual(Array.from(start));
            moved.set(entry.name, Math.max(...now.map((v, i) => Math.abs(v - start[i]))));
          }
        },
      });
      const worst = Math.max(...history.map((h) => h.worstParameterError));
      const largest = (pattern: RegExp) => Math.max(...[...moved].filter(([name]) => pattern.test(name)).map(([, change]) => change));
      console.info(
        `${options.type} with groups: worst parameter error ${worst.toExponential(2)}; largest change: embeddings ${largest(/_emb/).toExponential(2)}, ` +
          `LayerNorm weights ${largest(/ln\d\.weight/).toExponential(2)}, Linear weights ${largest(/(attn|mlp)\..*weight/).toExponential(2)}`,
      );
      // Every group but the lr-0 one moves far more than the tolerance, or the drift check proves nothing.
      const floor = Math.max(100 * PARAMETER_TOLERANCE, 10 * tolerance);
      for (const pattern of [/_emb/, /ln\d\.weight/, /(attn|mlp)\..*weight/]) expect(largest(pattern), String(pattern)).toBeGreaterThan(floor);
      for (const h of history) {
        expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(tolerance);
        expect(Math.abs(h.gpuLoss - h.referenceLoss), `loss at step ${h.step}`).toBeLessThan(lossTolerance * Math.max(1, h.referenceLoss));
      }
    });
  }

  // SGD: with the tables frozen, tinyGpt's MLP biases get gradients near float32 noise, which Adam would scale up to steps of lr.
  it('a frozen group on the embedding tables leaves them bit-identical while the groups around them train (SGD)', async () => {
    const ctx = await testContext();
    const config = optimizerSchema.parse({ type: 'sgd', lr: 0.05, momentum: 0.9, weight_decay: 0.1 });
    const graph = tinyGpt();
    const resolved = resolveParameterGroups(
      graph,
      [
        { params: '*_emb.weight', frozen: true },
        { params: '*.bias', lr: 0.1, weight_decay: 0 },
      ],
      config,
      'test',
    );
    const frozenGraph = graphWithGroups(graph, resolved);
    const initial = initialParameters(graph, 1);
    const history = await compareTraining(ctx, {
      graph: frozenGraph,
      batch: 2,
      steps: 4,
      optimizer: config,
      groups: resolved,
      afterStep: async (step, _gpu, _reference, model) => {
        expect(model.frozen.layout.entries.map((entry) => entry.name)).toEqual(['tok_emb.weight', 'pos_emb.weight']);
        const values = await model.readParameters();
        for (const name of ['tok_emb.weight', 'pos_emb.weight'])
          expect(Array.from(values.get(name)!), `${name} after step ${step}`).toEqual(Array.from(initial.get(name)!));
      },
    });
    for (const h of history) expect(h.worstParameterError, `step ${h.step}: ${h.worstParameter}`).toBeLessThan(PARAMETER_TOLERANCE);
  });
});
