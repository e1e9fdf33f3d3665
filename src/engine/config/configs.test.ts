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

  for (const name of files) {
    it(`${name} passes the schema`, () => {
      const config = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
      expect(config.runs.length).toBeGreaterThan(0);
    });
  }

  it("keeps the paper's WikiText-2 settings for AdaFisherW and AdamW on the compact GPT-1", () => {
    const read = (name: string) => parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
    const adafisherw = read('gpt1-paper-adafisherw.yaml');
    expect(adafisherw).toMatchObject({ task: 'language-modeling', model: 'gpt1-paper', batch_size: 32, data: { source: 'wikitext2' } });
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
    ]);
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
