import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/run-config';
import { syntheticTextSplits } from '../data/synthetic-text';
import { createTextTrainingData } from '../data/text-training-data';
import { buildVocabulary, tokenizeLines } from '../data/wikitext';
import { gpt } from '../nn/presets';
import { testContext } from '../testing/gpu-test';
import { decodeSafetensors } from '../checkpoint/safetensors';
import type { LandscapeFrame } from '../landscape/landscape-frame';
import type { MetricsRow, TrainerEvent } from './events';
import { Trainer } from './trainer';

/** The built-in corpus's lines as word ids: `train` training lines, `held` validation and test lines each. */
function corpus(train: number, held: number) {
  const lines = syntheticTextSplits(5, { trainLines: train, validationLines: held, testLines: held });
  const vocabulary = buildVocabulary(lines.train);
  const splits = {
    train: tokenizeLines(lines.train, vocabulary),
    validation: tokenizeLines(lines.validation, vocabulary),
    test: tokenizeLines(lines.test, vocabulary),
  };
  return { vocabulary, splits };
}

const mean = (rows: MetricsRow[]) => rows.reduce((sum, row) => sum + row.train_loss, 0) / rows.length;

describe('Trainer on the language-model task', () => {
  it('lowers a small GPT’s loss on the built-in corpus with AdamW and AdaFisherW, reporting validation and test perplexity', async () => {
    const ctx = await testContext();
    const { vocabulary, splits } = corpus(400, 20);
    const config = parseRunConfig({
      task: 'language-modeling',
      model: 'gpt1-tiny',
      batch_size: 8,
      steps: 40,
      seed: 3,
      log_every: 1,
      runs: [
        { name: 'adamw', optimizer: { type: 'adamw', lr: 3e-3, weight_decay: 0.1 } },
        { name: 'adafisherw', optimizer: { type: 'adafisherw', lr: 1e-3, tcov: 10, weight_decay: 0.1 } },
      ],
    });
    // gpt1-tiny's structure at a quarter of its width and context, so 40 steps fit a software GPU.
    const graph = gpt('gpt-small-test', { layers: 2, heads: 2, width: 32, mlp: 128, context: 16 }, vocabulary.tokens.length);
    const data = createTextTrainingData(splits, vocabulary, { batchSize: 8, context: 16, seed: 3 });
    const events: TrainerEvent[] = [];
    const trainer = await Trainer.create({ ctx, config, data, graph, emit: (event) => events.push(event) });
    try {
      const summaries = await trainer.run();
      const uniform = Math.log(vocabulary.tokens.length);
      for (const summary of summaries) {
        const rows = events.filter((e): e is Extract<TrainerEvent, { type: 'metrics' }> => e.type === 'metrics' && e.run === summary.run).map((e) => e.row);
        console.info(
          `${summary.run}: loss ${rows[0].train_loss.toFixed(3)} -> ${rows.at(-1)!.train_loss.toFixed(3)}, validation perplexity ${summary.val_perplexity!.toFixed(1)}, test perplexity ${summary.test_perplexity!.toFixed(1)} (vocabulary ${vocabulary.tokens.length})`,
        );
        expect(summary.state, summary.run).toBe('finished');
        // GPT's small initial weights start near the uniform distribution's loss, log V.
        expect(Math.abs(rows[0].train_loss - uniform)).toBeLessThan(0.1);
        // AdaFisherW moves its F = 1 embedding table (tied to the output) only by lr * momentum,
        // so it learns this corpus more slowly than AdamW; both must still clearly improve.
        expect(mean(rows.slice(-5)), `${summary.run} loss falls`).toBeLessThan(mean(rows.slice(0, 5)) - 0.05);
        expect(rows.at(-1)!.tokens_per_second).toBeGreaterThan(0);
        // Perplexity is exp of the mean token loss, and below the uniform predictor's, V.
        expect(summary.test_perplexity).toBeCloseTo(Math.exp(summary.test_loss!), 3);
        expect(summary.val_perplexity!).toBeLessThan(vocabulary.tokens.length);
        expect(summary.test_accuracy).toBeGreaterThan(0);
      }
    } finally {
      trainer.destroy();
    }
  }, 600_000);
  it('trains each run with its own parameter groups (a frozen embedding group, an embedding lr group) and refuses bad groups before building anything', async () => {
    const ctx = await testContext();
    const { vocabulary, splits } = corpus(60, 5);
    const graph = gpt('gpt-groups-test', { layers: 1, heads: 2, width: 16, mlp: 32, context: 8 }, vocabulary.tokens.length);
    const data = createTextTrainingData(splits, vocabulary, { batchSize: 4, context: 8, seed: 3 });
    const session = (runs: unknown[], extra: Record<string, unknown> = {}) =>
      parseRunConfig({ task: 'language-modeling', model: 'gpt1-tiny', batch_size: 4, steps: 3, seed: 3, log_every: 1, runs, ...extra });
    const frozenRun = { name: 'frozen', optimizer: { type: 'adamw', lr: 3e-3, weight_decay: 0.1 }, param_groups: [{ params: '*_emb.weight', frozen: true }] };
    const embeddingRun = {
      name: 'embedding-lr',
      optimizer: { type: 'adafisherw', lr: 1e-3 },
      param_groups: [{ params: 'tok_emb.*', lr: 3e-2, weight_decay: 0 }],
    };
    const events: TrainerEvent[] = [];
    const trainer = await Trainer.create({ ctx, config: session([frozenRun, embeddingRun]), data, graph, emit: (event) => events.push(event) });
    try {
      const summaries = await trainer.run();
      for (const summary of summaries) expect(summary.state, summary.run).toBe('finished');
      const parameterBytes = (run: string) => summaries.find((summary) => summary.run === run)!.gpu_bytes.parameters;
      // The frozen run trains everything but the two tables: (V + context) × width floats fewer.
      const tableBytes = (vocabulary.tokens.length + 8) * 16 * 4;
      expect(parameterBytes('embedding-lr') - parameterBytes('frozen')).toBeGreaterThanOrEqual(tableBytes);
      expect(parameterBytes('embedding-lr') - parameterBytes('frozen')).toBeLessThan(tableBytes + 1024);
    } finally {
      trainer.destroy();
    }
    const refused = (runs: unknown[], extra?: Record<string, unknown>) => Trainer.create({ ctx, config: session(runs, extra), data, graph, emit: () => {} });
    await expect(refused([{ ...embeddingRun, param_groups: [{ params: 'embed.*', lr: 0.1 }] }])).rejects.toThrow(
      /run "embedding-lr": param_groups\[0\]: pattern "embed\.\*" matches no parameter/,
    );
    await expect(refused([{ ...embeddingRun, optimizer: { type: 'kfac', variant: 'notebook', lr: 0.1 } }])).rejects.toThrow(
      /K-FAC's notebook variant does not take a per-group lr or weight_decay yet/,
    );
    await expect(refused([frozenRun, embeddingRun], { landscape: { plane: 'pca' } })).rejects.toThrow(
      /landscape: run "embedding-lr" freezes nothing but run "frozen" freezes pos_emb\.weight, tok_emb\.weight/,
    );
  }, 600_000);
  it('draws the landscape of runs that freeze the same tables by their groups, in the space they train', async () => {
    const ctx = await testContext();
    const { vocabulary, splits } = corpus(60, 5);
    const graph = gpt('gpt-groups-landscape', { layers: 1, heads: 2, width: 16, mlp: 32, context: 8 }, vocabulary.tokens.length);
    const data = createTextTrainingData(splits, vocabulary, { batchSize: 4, context: 8, seed: 3 });
    const frozen = [{ params: '*_emb.weight', frozen: true }];
    const config = parseRunConfig({
      task: 'language-modeling',
      model: 'gpt1-tiny',
      batch_size: 4,
      steps: 4,
      seed: 3,
      log_every: 2,
      runs: [
        { name: 'adamw', optimizer: { type: 'adamw', lr: 3e-3 }, param_groups: frozen },
        { name: 'sgd', optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, param_groups: [...frozen, { params: '*.bias', lr: 0.05 }] },
      ],
      landscape: { grid: 3, eval_size: 8, snapshot_every: 2 },
    });
    let settle: (frame: LandscapeFrame) => void = () => {};
    const settled = new Promise<LandscapeFrame>((resolve) => (settle = resolve));
    const trainer = await Trainer.create({
      ctx,
      config,
      data,
      graph,
      emit: (event) => {
        if (event.type === 'landscape' && event.frame.settled) settle(event.frame);
      },
    });
    try {
      const summaries = await trainer.run();
      for (const summary of summaries) expect(summary.state, summary.run).toBe('finished');
      const frame = await settled;
      expect(frame.settled).toBe(true);
      const names = Object.keys(decodeSafetensors(await trainer.landscapeTensors()).tensors);
      expect(names.some((name) => name.includes('blocks.0.attn.q.weight'))).toBe(true);
      expect(names.some((name) => name.includes('_emb.weight'))).toBe(false);
    } finally {
      trainer.destroy();
    }
  }, 600_000);
});
