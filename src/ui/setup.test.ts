import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, landscapeSchema, parseRunConfig } from '../engine/config/run-config';
import { configToSetup, defaultLandscape, defaultSetup, landscapeOnPlane, setupToConfig, TASKS, toggledLandscape, withRuns, type Setup } from './setup';
import { irisLandscapeSetup, setupWithoutLandscape } from './testing/setup-fixtures';

const CONFIG_DIR = join(import.meta.dirname, '../../configs');

const imported = (setup: Setup): Setup => configToSetup(setupToConfig(setup));

describe('setup <-> run config', () => {
  it('round-trips every config of configs/ to the same validated config', () => {
    for (const name of readdirSync(CONFIG_DIR).filter((file) => file.endsWith('.yaml'))) {
      const config = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
      expect(parseRunConfig(setupToConfig(configToSetup(config))), name).toEqual(config);
    }
  });

  it('gives each task a default setup that is a valid config', () => {
    const optimizers = {
      'image-classification': ['adafisher', 'adam'],
      'language-modeling': ['adafisherw', 'adamw'],
      'tabular-classification': ['adafisher', 'adam'],
    };
    for (const task of TASKS) {
      const config = parseRunConfig(setupToConfig(defaultSetup(task)));
      expect(config.task).toBe(task);
      expect(config.runs.map((run) => run.optimizer.type)).toEqual(optimizers[task]);
    }
  });

  it('sets up the Iris task as the seed: batches of 10, 20 epochs, a point per epoch, fc1.weight from (0.2, 0.2), AdaFisher black and Adam cyan', () => {
    const config = parseRunConfig(setupToConfig(defaultSetup('tabular-classification')));
    expect(config).toMatchObject({ model: 'iris-mlp', batch_size: 10, epochs: 20, log_every: 15, init: { 'fc1.weight': [0.2, 0.2] } });
    expect(config.steps).toBeUndefined();
    expect(config.data.source).toBe('iris');
    expect(config.runs.map((run) => [run.name, run.color, run.optimizer.type, run.optimizer.lr])).toEqual([
      ['adafisher', 'black', 'adafisher', 1e-3],
      ['adam', 'cyan', 'adam', 1e-3],
    ]);
    expect(config.landscape).toEqual(
      landscapeSchema.parse({ plane: 'weights', weights: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'], snapshot_every: 15, grid: 31, eval_size: 150 }),
    );
  });

  it('turns the landscape on with the schema defaults for images and text, without init overrides or colours', () => {
    for (const task of ['image-classification', 'language-modeling'] as const) {
      const setup = defaultSetup(task);
      expect(setup.landscape).toEqual({ ...landscapeSchema.parse({}), enabled: true });
      expect(setup.init).toBeUndefined();
      expect(setup.runs.every((run) => run.color === undefined)).toBe(true);
      expect(parseRunConfig(setupToConfig(setup)).landscape).toEqual(setup.landscape);
    }
  });

  it('round-trips a tabular setup with init overrides, colours and a weights-plane landscape', () => {
    const setup = irisLandscapeSetup();
    const back = imported(setup);
    expect(back.init).toEqual(setup.init);
    expect(back.runs.map((run) => run.color)).toEqual(['black', '#00bcd4']);
    expect(back.landscape).toEqual(setup.landscape);
    expect(back.data.choice).toBe('iris');
    expect(imported(back)).toEqual(back);
  });

  it('keeps a setup without a landscape without one', () => {
    const setup = setupWithoutLandscape();
    expect(setupToConfig(setup)).not.toHaveProperty('landscape');
    expect(setupToConfig(setup)).not.toHaveProperty('init');
    expect(imported(setup).landscape).toBeUndefined();
    expect(parseRunConfig(setupToConfig(setup)).landscape).toBeUndefined();
  });

  it('refuses an invalid config with its path and range', () => {
    const bad = { ...setupToConfig(defaultSetup('image-classification')), batch_size: 0 };
    expect(() => configToSetup(bad)).toThrow(ConfigError);
    expect(() => configToSetup(bad)).toThrow(/batch_size: must be > 0 \(got 0\)/);
    const noWeights = { ...setupToConfig(defaultSetup('tabular-classification')), landscape: { plane: 'weights' } };
    expect(() => configToSetup(noWeights)).toThrow(/landscape\.weights: the weights plane needs two parameters/);
  });
});

describe('landscape edits', () => {
  it('moves the centre run with a rename and drops it with its run', () => {
    const setup = irisLandscapeSetup();
    const renamed = withRuns(setup, [setup.runs[0], { ...setup.runs[1], name: 'adam-fast' }]);
    expect(renamed.landscape?.center_run).toBe('adam-fast');
    expect(parseRunConfig(setupToConfig({ ...setup, ...renamed })).landscape?.center_run).toBe('adam-fast');
    const removed = withRuns(setup, [setup.runs[0]]);
    expect(removed.landscape).not.toHaveProperty('center_run');
    expect(removed.landscape?.weights).toEqual(setup.landscape?.weights);
    // Edits that keep the centre run, and setups without one, leave the landscape as it was.
    const kept = withRuns(setup, [{ ...setup.runs[0], name: 'adafisher-2' }, setup.runs[1]]);
    expect(kept.landscape).toBe(setup.landscape);
    expect(withRuns(setupWithoutLandscape(), []).landscape).toBeUndefined();
  });

  it('switches the landscape off keeping its settings, and on from the task defaults when there was none', () => {
    const setup = irisLandscapeSetup();
    expect(toggledLandscape(setup, false)).toEqual({ ...setup.landscape, enabled: false });
    expect(toggledLandscape(setupWithoutLandscape(), true)).toEqual(defaultLandscape('image-classification'));
    expect(toggledLandscape({ ...defaultSetup('tabular-classification'), landscape: undefined }, true)).toEqual(defaultLandscape('tabular-classification'));
  });

  it('asks for two parameter names on the weights plane and drops blank ones on leaving it', () => {
    const pca = defaultLandscape('image-classification');
    const weights = landscapeOnPlane(pca, 'weights', 'image-classification');
    expect(weights).toMatchObject({ plane: 'weights', weights: ['', ''] });
    expect(landscapeOnPlane(weights, 'random', 'image-classification')).toEqual({ ...pca, plane: 'random' });
    expect(landscapeOnPlane(pca, 'weights', 'tabular-classification').weights).toEqual(['fc1.weight[0, 0]', 'fc1.weight[0, 1]']);
    // Names that were typed stay, so coming back to the weights plane finds them.
    const typed = { ...weights, weights: ['conv1.weight[0, 0, 1, 1]', 'fc.bias[3]'] as [string, string] };
    expect(landscapeOnPlane(landscapeOnPlane(typed, 'pca', 'image-classification'), 'weights', 'image-classification')).toEqual(typed);
    expect(() =>
      parseRunConfig({ ...setupToConfig(defaultSetup('image-classification')), landscape: landscapeOnPlane(weights, 'pca', 'image-classification') }),
    ).not.toThrow();
  });
});
