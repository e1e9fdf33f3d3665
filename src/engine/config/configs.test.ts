import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, parseRunConfig } from './run-config';

const CONFIG_DIR = join(import.meta.dirname, '../../../configs');

describe('configs/', () => {
  const files = readdirSync(CONFIG_DIR).filter((name) => name.endsWith('.yaml'));

  it('has the paper settings for AdaFisher, Adam, AdamW and SGD on both presets', () => {
    for (const preset of ['cnn-small', 'resnet-mini']) {
      for (const optimizer of ['adafisher', 'adam', 'adamw', 'sgd']) expect(files).toContain(`${preset}-${optimizer}.yaml`);
    }
  });

  const read = (name: string) => parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));

  it("keeps the paper's CIFAR-10 settings for K-FAC, Shampoo and AdaHessian on both image presets (the CNN column)", () => {
    for (const preset of ['cnn-small', 'resnet-mini']) {
      const kfac = read(`${preset}-kfac.yaml`);
      expect(kfac).toMatchObject({ model: preset, batch_size: 256, epochs: 107 });
      expect(kfac.runs[0].optimizer).toEqual({
        type: 'kfac',
        variant: 'asdl',
        lr: 0.3,
        momentum: 0.9,
        weight_decay: 5e-4,
        damping: 1e-3,
        interval: 10,
        clip: 1,
        stat_decay: 0.95,
        inverse_interval: 100,
        kl_clip: 1e-3,
      });
      const shampoo = read(`${preset}-shampoo.yaml`);
      expect(shampoo).toMatchObject({ model: preset, batch_size: 256, epochs: 36 });
      // cnn-small's departure: its fc.weight [10, 2048] would need a 2048 x 2048 inverse root every step.
      expect(shampoo.runs[0].optimizer).toEqual({
        type: 'shampoo',
        lr: 0.3,
        momentum: 0.9,
        weight_decay: 5e-4,
        damping: 1e-12,
        interval: 1,
        clip: 1,
        max_factor_dim: preset === 'cnn-small' ? 1024 : 4096,
      });
      const adahessian = read(`${preset}-adahessian.yaml`);
      expect(adahessian).toMatchObject({ model: preset, batch_size: 256, epochs: 89 });
      expect(adahessian.runs[0].optimizer).toEqual({ type: 'adahessian', lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 5e-4, hessian_power: 1 });
      for (const config of [kfac, shampoo, adahessian]) expect(config.runs[0].schedule.type).toBe('cosine');
    }
  });

  it("keeps the paper's GPT-1 settings for Shampoo and AdaHessian on gpt1-tiny, and its ViT settings for K-FAC", () => {
    const kfac = read('gpt1-tiny-kfac.yaml');
    expect(kfac).toMatchObject({ task: 'language-modeling', model: 'gpt1-tiny', batch_size: 32 });
    expect(kfac.runs[0].optimizer).toMatchObject({
      type: 'kfac',
      variant: 'asdl',
      lr: 3e-3,
      momentum: 0.9,
      weight_decay: 0.06,
      damping: 1e-3,
      interval: 10,
      clip: 10,
    });
    expect(read('gpt1-tiny-shampoo.yaml').runs[0].optimizer).toEqual({
      type: 'shampoo',
      lr: 3e-3,
      momentum: 0.9,
      weight_decay: 0.1,
      damping: 1e-12,
      interval: 1,
      clip: 10,
      max_factor_dim: 4096,
    });
    expect(read('gpt1-tiny-adahessian.yaml').runs[0].optimizer).toEqual({
      type: 'adahessian',
      lr: 0.15,
      betas: [0.9, 0.999],
      eps: 1e-4,
      weight_decay: 0.1,
      hessian_power: 1,
    });
    for (const name of ['gpt1-tiny-kfac.yaml', 'gpt1-tiny-shampoo.yaml', 'gpt1-tiny-adahessian.yaml']) {
      expect(read(name), name).toMatchObject({ batch_size: 32, steps: 600 });
      expect(read(name).runs[0].schedule.type, name).toBe('constant');
    }
  });

  it('compares all eight optimizers on cnn-small as compare-cnn-small.yaml does, the first five at its settings', () => {
    const second = read('compare-second-order.yaml');
    const first = read('compare-cnn-small.yaml');
    const { runs, ...rest } = second;
    const { runs: firstRuns, ...firstRest } = first;
    expect(rest).toEqual(firstRest);
    expect(runs.map((run) => run.optimizer.type).sort()).toEqual(['adafisher', 'adafisherw', 'adahessian', 'adam', 'adamw', 'kfac', 'sgd', 'shampoo']);
    for (const run of firstRuns) expect(runs.find((other) => other.name === run.name)).toEqual(run);
    expect(runs.find((run) => run.name === 'adafisherw')?.optimizer).toEqual({
      ...firstRuns.find((run) => run.name === 'adafisher')?.optimizer,
      type: 'adafisherw',
    });
    for (const type of ['kfac', 'shampoo', 'adahessian']) {
      expect(runs.find((run) => run.optimizer.type === type)?.optimizer, type).toEqual(read(`cnn-small-${type}.yaml`).runs[0].optimizer);
    }
  });

  for (const name of files) {
    it(`${name} passes the schema`, () => {
      const config = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
      expect(config.runs.length).toBeGreaterThan(0);
    });
  }

  it("compares gpt1-tiny from scratch with and without an embedding group, at the quick configs' settings", () => {
    const read = (name: string) => parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
    const groups = read('gpt1-tiny-embedding-groups.yaml');
    const [adafisherw, adamw] = [read('gpt1-tiny-adafisherw.yaml'), read('gpt1-tiny-adamw.yaml')];
    expect(groups).toMatchObject({ model: 'gpt1-tiny', batch_size: adafisherw.batch_size, steps: adafisherw.steps, data: adafisherw.data });
    expect(groups.runs.map((run) => [run.name, run.optimizer])).toEqual([
      ['adafisherw', adafisherw.runs[0].optimizer],
      ['adafisherw-emb', adafisherw.runs[0].optimizer],
      ['adamw', adamw.runs[0].optimizer],
      ['adamw-emb', adamw.runs[0].optimizer],
    ]);
    const tables = ['tok_emb.*', 'pos_emb.*'];
    expect(groups.runs.map((run) => run.param_groups)).toEqual([
      undefined,
      [{ params: tables, lr: 0.1, weight_decay: 0 }],
      undefined,
      [{ params: tables, lr: 0.01, weight_decay: 0 }],
    ]);
  });

  it("keeps the paper's WikiText-2 settings for AdaFisherW and AdamW on the compact GPT-1", () => {
    const read = (name: string) => parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
    const adafisherw = read('gpt1-paper-adafisherw.yaml');
    // GPT-1 BPE shards and GPT-1's pretrained embeddings (frozen by gpt1-paper), 50 and 55 epochs.
    const paper = { task: 'language-modeling', model: 'gpt1-paper', batch_size: 32, data: { source: 'wikitext2', url: '/data/wikitext2-gpt1/manifest.json' } };
    expect(adafisherw).toMatchObject({ ...paper, epochs: 50, embeddings: { from: 'gpt1' } });
    expect(adafisherw.runs[0].optimizer).toMatchObject({
      type: 'adafisherw',
      lr: 1e-4,
      beta: 0.9,
      damping: 1e-3,
      gammas: [0.92, 0.008],
      tcov: 10,
      weight_decay: 0.1,
    });
    expect(adafisherw.runs[0].schedule.type).toBe('constant');
    const adamw = read('gpt1-paper-adamw.yaml');
    expect(adamw).toMatchObject({ ...paper, epochs: 55, embeddings: { from: 'gpt1' } });
    expect(adamw.runs[0].optimizer).toMatchObject({ type: 'adamw', lr: 1e-5, betas: [0.9, 0.999], weight_decay: 0.1 });
  });

  it("keeps the seed's Iris landscape experiment: its model, data, start, optimizers, colours and plane", () => {
    const config = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, 'iris-landscape.yaml'), 'utf8')));
    expect(config).toMatchObject({
      task: 'tabular-classification',
      model: 'iris-mlp',
      batch_size: 10,
      epochs: 20,
      log_every: 15,
      data: { source: 'iris' },
      init: { 'fc1.weight': [0.2, 0.2] },
      landscape: { plane: 'weights', weights: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'], snapshot_every: 15, grid: 31, eval_size: 150 },
    });
    expect(config.runs.map((run) => [run.name, run.optimizer.type, run.optimizer.lr, run.color])).toEqual([
      ['adafisher', 'adafisher', 1e-3, 'black'],
      ['adam', 'adam', 1e-3, 'cyan'],
      ['kfac', 'kfac', 1e-3, 'purple'],
      ['shampoo', 'shampoo', 1e-3, 'blue'],
      ['adahessian', 'adahessian', 1e-2, 'green'],
    ]);
    expect(config.runs.every((run) => run.optimizer.weight_decay === 0)).toBe(true);
    expect(config.runs[2].optimizer).toMatchObject({
      variant: 'notebook',
      momentum: 0.9,
      damping: 1e-3,
      interval: 10,
      stat_decay: 0.95,
      inverse_interval: 100,
      kl_clip: 1e-3,
    });
    expect(config.runs[3].optimizer).toMatchObject({ momentum: 0.9, clip: 1, damping: 1e-12, interval: 100 });
    expect(config.runs[4].optimizer).toMatchObject({ betas: [0.9, 0.999], eps: 1e-4, hessian_power: 1 });
  });

  it('keeps the published AdaFisher recipe on resnet-mini', () => {
    const config = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, 'resnet-mini-adafisher.yaml'), 'utf8')));
    expect(config.batch_size).toBe(256);
    expect(config.runs[0].optimizer).toMatchObject({
      type: 'adafisher',
      lr: 1e-3,
      beta: 0.9,
      damping: 1e-3,
      gammas: [0.92, 0.008],
      tcov: 100,
      weight_decay: 5e-4,
    });
    expect(config.runs[0].schedule.type).toBe('cosine');
  });
});

describe('parseRunConfig', () => {
  it('refuses a model or a data source that does not suit the task', () => {
    const run = { name: 'a', optimizer: { type: 'adamw', lr: 1e-3 } };
    expect(() => parseRunConfig({ task: 'language-modeling', model: 'cnn-small', steps: 1, runs: [run] })).toThrow(/model: must suit the task/);
    expect(() => parseRunConfig({ task: 'image-classification', model: 'gpt1-tiny', steps: 1, runs: [run] })).toThrow(/model: must suit the task/);
    expect(() => parseRunConfig({ task: 'language-modeling', model: 'gpt1-tiny', steps: 1, data: { source: 'cifar10' }, runs: [run] })).toThrow(
      /data.source: must suit the task/,
    );
    expect(parseRunConfig({ task: 'language-modeling', model: 'gpt1-tiny', steps: 1, data: { source: 'wikitext2' }, runs: [run] }).data.from).toBe('shards');
  });

  const valid = { steps: 10, runs: [{ name: 'a', optimizer: { type: 'adam', lr: 1e-3 } }] };

  it('fills defaults', () => {
    const config = parseRunConfig(valid);
    expect(config.runs[0].optimizer).toMatchObject({ betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 });
    expect(config.data.source).toBe('synthetic');
  });

  it('names every invalid value with its path, the allowed range and the value given', () => {
    let caught: unknown;
    try {
      parseRunConfig({
        steps: 10,
        batch_size: 0,
        runs: [
          { name: 'a', optimizer: { type: 'adam', lr: -1, betas: [0.9, 1.5] } },
          { name: 'a', optimizer: { type: 'adafisher', lr: 1, tcov: 0, gammas: [0.92, 1], colour: 'red' } },
        ],
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toContain('batch_size: must be > 0 (got 0)');
    expect(problems).toContain('runs[0].optimizer.lr: must be >= 0 (got -1)');
    expect(problems).toContain('runs[0].optimizer.betas[1]: must be in [0, 1) (got 1.5)');
    expect(problems).toContain('runs[1].optimizer.tcov: must be > 0 (got 0)');
    expect(problems).toContain('runs[1].optimizer.gammas[1]: must be in [0, 1) (got 1)');
    expect(problems.some((p) => p.startsWith('runs[1].optimizer') && p.includes('colour'))).toBe(true);
    expect(problems).toContain('runs: run names must be unique');
  });

  it('refuses an unknown optimizer and a config without a length', () => {
    expect(() => parseRunConfig({ steps: 1, runs: [{ name: 'a', optimizer: { type: 'lion', lr: 1 } }] })).toThrow(/runs\[0\]\.optimizer\.type/);
    expect(() => parseRunConfig({ runs: valid.runs })).toThrow(/steps: set steps or epochs/);
  });
});
