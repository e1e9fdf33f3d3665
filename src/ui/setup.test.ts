import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, parseRunConfig } from '../engine/config/run-config';
import { configToSetup, defaultSetup, setupToConfig } from './setup';

const CONFIG_DIR = join(import.meta.dirname, '../../configs');

describe('setup <-> run config', () => {
  it('round-trips every config of configs/ to the same validated config', () => {
    for (const name of readdirSync(CONFIG_DIR).filter((file) => file.endsWith('.yaml'))) {
      const config = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, name), 'utf8')));
      expect(parseRunConfig(setupToConfig(configToSetup(config))), name).toEqual(config);
    }
  });

  it('gives each task a default setup that is a valid config', () => {
    for (const task of ['image-classification', 'language-modeling'] as const) {
      const config = parseRunConfig(setupToConfig(defaultSetup(task)));
      expect(config.task).toBe(task);
      expect(config.runs.map((run) => run.optimizer.type)).toEqual(task === 'language-modeling' ? ['adafisherw', 'adamw'] : ['adafisher', 'adam']);
    }
  });

  it('refuses an invalid config with its path and range', () => {
    const bad = { ...setupToConfig(defaultSetup('image-classification')), batch_size: 0 };
    expect(() => configToSetup(bad)).toThrow(ConfigError);
    expect(() => configToSetup(bad)).toThrow(/batch_size: must be > 0 \(got 0\)/);
  });
});
