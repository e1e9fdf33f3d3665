import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRunConfig } from '../engine/config/run-config';
import { setupFromYaml, setupToYaml } from './config-file';
import { configToSetup, defaultSetup, setupToConfig, TASKS, type Setup } from './setup';
import { everyOptimizerSetup, irisLandscapeSetup, setupWithoutLandscape } from './testing/setup-fixtures';

const CONFIG_DIR = join(import.meta.dirname, '../../configs');

function imported(setup: Setup): Setup {
  return configToSetup(setupToConfig(setup));
}

describe('setup <-> YAML file', () => {
  it('round-trips every task default setup', () => {
    for (const task of TASKS) {
      const setup = defaultSetup(task);
      const yaml = setupToYaml(setup);
      expect(setupFromYaml(yaml, 'setup.yaml')).toEqual(imported(setup));
      // The command line reads the file with the same parser and schema.
      expect(parseRunConfig(parse(yaml))).toEqual(parseRunConfig(setupToConfig(setup)));
    }
  });

  it('round-trips a setup on real data with schedules and small learning rates', () => {
    const setup = defaultSetup('language-modeling');
    setup.model = 'gpt1-paper';
    setup.length = { unit: 'epochs', value: 3 };
    setup.data = { ...setup.data, choice: 'shards', shardsUrl: 'https://example.org/wikitext2/manifest.json' };
    setup.runs[0].optimizer.lr = 1e-8;
    setup.runs[1].schedule = { type: 'cosine', warmup_steps: 100, final_fraction: 0.1 };
    expect(setupFromYaml(setupToYaml(setup), 'lm.yaml')).toEqual(imported(setup));
  });

  it('round-trips one run of each of the eight optimizer types with every field, one line per optimizer', () => {
    const setup = everyOptimizerSetup();
    const yaml = setupToYaml(setup);
    const back = setupFromYaml(yaml, 'every-optimizer.yaml');
    expect(back).toEqual(imported(setup));
    expect(back.runs.map((run) => run.optimizer)).toEqual(setup.runs.map((run) => run.optimizer));
    expect(parseRunConfig(parse(yaml))).toEqual(parseRunConfig(setupToConfig(setup)));
    const lines = yaml.split('\n');
    expect(lines).toContain(
      '    optimizer: { type: kfac, variant: notebook, lr: 0.009, momentum: 0.9, weight_decay: 0.0005, damping: 0.003, interval: 5, clip: 2, stat_decay: 0.9, inverse_interval: 50, kl_clip: 0.002 }',
    );
    expect(lines).toContain(
      '    optimizer: { type: shampoo, lr: 0.0105, momentum: 0.9, weight_decay: 0.0005, damping: 0.000001, interval: 3, clip: 5, max_factor_dim: 512 }',
    );
    expect(lines).toContain('    optimizer: { type: adahessian, lr: 0.012, betas: [ 0.8, 0.99 ], eps: 0.000001, weight_decay: 0.0005, hessian_power: 0.5 }');
  });

  it('round-trips a tabular setup with init overrides, colours and a weights-plane landscape, lists on one line', () => {
    const setup = irisLandscapeSetup();
    const yaml = setupToYaml(setup);
    const back = setupFromYaml(yaml, 'iris.yaml');
    expect(back).toEqual(imported(setup));
    expect(back.init).toEqual(setup.init);
    expect(back.landscape).toEqual(setup.landscape);
    expect(back.runs.map((run) => run.color)).toEqual(['black', '#00bcd4']);
    expect(parseRunConfig(parse(yaml))).toEqual(parseRunConfig(setupToConfig(setup)));
    const lines = yaml.split('\n');
    expect(lines).toContain('  fc1.weight: [ 0.2, -0.35 ]');
    expect(lines).toContain('  weights: [ "fc1.weight[0, 1]", "fc2.weight[2, 0]" ]');
    expect(lines).toContain('    x: [ -1.5, 2 ]');
    expect(lines).toContain('    color: "#00bcd4"');
  });

  it('writes no landscape section for a setup without one, and reads none back', () => {
    const setup = setupWithoutLandscape();
    const yaml = setupToYaml(setup);
    expect(yaml).not.toContain('landscape');
    expect(setupFromYaml(yaml, 'plain.yaml').landscape).toBeUndefined();
    expect(setupFromYaml(yaml, 'plain.yaml')).toEqual(imported(setup));
  });

  it('writes a header with the headless command, and one line per optimizer', () => {
    const yaml = setupToYaml(defaultSetup('image-classification'));
    const lines = yaml.split('\n');
    expect(lines[0]).toMatch(/^# AdaFisher playground setup/);
    expect(yaml).toContain('# Train it headless with:  npm run train -- --config FILE.yaml');
    expect(lines).toContain(
      '    optimizer: { type: adafisher, lr: 0.0001, beta: 0.9, damping: 0.001, gammas: [ 0.92, 0.008 ], average: reference, paper_gamma: 0.8, tcov: 10, weight_decay: 0.0005 }',
    );
    expect(lines).toContain('    schedule: { type: constant, warmup_steps: 0, final_fraction: 0 }');
    expect(lines).toContain('batch_size: 32');
  });

  it('imports every file of configs/', () => {
    const names = readdirSync(CONFIG_DIR).filter((file) => file.endsWith('.yaml'));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const text = readFileSync(join(CONFIG_DIR, name), 'utf8');
      const setup = setupFromYaml(text, name);
      expect(parseRunConfig(setupToConfig(setup)), name).toEqual(parseRunConfig(parse(text)));
    }
  });

  it('names the file, line and column of a syntax error', () => {
    // yaml finds the unclosed brace where the next key starts, on line 6.
    const text = ['model: cnn-small', 'steps: 10', 'runs:', '  - name: adam', '    optimizer: { type: adam, lr: 1.0e-3', 'seed: 1', ''].join('\n');
    expect(() => setupFromYaml(text, 'broken.yaml')).toThrow(
      /^broken\.yaml is not valid YAML:\n {2}- line 6, column 1: Flow map in block collection must be sufficiently indented and end with a \}/,
    );
    expect(() => setupFromYaml('steps: 1\nsteps: 2\n', 'twice.yaml')).toThrow(
      /^twice\.yaml is not valid YAML:\n {2}- line 2, column 1: Map keys must be unique\nFix the file/,
    );
  });

  it('names the path and range of an invalid value', () => {
    const text = setupToYaml(defaultSetup('image-classification')).replace('lr: 0.001,', 'lr: -1,').replace('batch_size: 32', 'batch_size: 5000');
    expect(() => setupFromYaml(text, 'bad.yaml')).toThrow(
      'bad.yaml is not a valid run config:\n  - batch_size: must be <= 4096 (got 5000)\n  - runs[1].optimizer.lr: must be >= 0 (got -1)\nFix these values (configs/ has examples) and import it again.',
    );
    expect(() => setupFromYaml('', 'empty.yaml')).toThrow(/^empty\.yaml is not a valid run config:\n {2}- \(top level\): /);
  });
});
