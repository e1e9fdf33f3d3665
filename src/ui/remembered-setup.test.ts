import { describe, expect, it } from 'vitest';
import { landscapeSchema } from '../engine/config/run-config';
import { EARLIER_SETUP_STORAGE_KEY, forgetRememberedSetup, readRememberedSetup, rememberSetup, SETUP_STORAGE_KEY } from './remembered-setup';
import { configToSetup, defaultSetup, setupToConfig, type Setup } from './setup';
import { everyOptimizerSetup, irisLandscapeSetup, setupWithoutLandscape } from './testing/setup-fixtures';
import { memoryStorage } from './testing/test-playground';

/** A config as the page remembered it before the landscape: two tasks, no init, colours or landscape section. */
const EARLIER_CONFIG = {
  task: 'language-modeling',
  model: 'gpt1-tiny',
  batch_size: 8,
  steps: 120,
  seed: 3,
  log_every: 5,
  data: { source: 'synthetic', train_size: 4000, test_size: 60 },
  runs: [{ name: 'adamw', optimizer: { type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1 } }],
};

const setupOf = (read: ReturnType<typeof readRememberedSetup>): Setup => {
  if (!read || !('setup' in read)) throw new Error(`expected a setup, got ${JSON.stringify(read)}`);
  return read.setup;
};

describe('the remembered setup', () => {
  it('comes back as the run config it was written as', () => {
    const storage = memoryStorage();
    const setup = { ...defaultSetup('language-modeling'), seed: 7, batchSize: 4 };
    rememberSetup(storage, setup);
    expect(JSON.parse(storage.getItem(SETUP_STORAGE_KEY)!)).toEqual(JSON.parse(JSON.stringify(setupToConfig(setup))));
    // What a link or a YAML file would give for the same setup.
    expect(readRememberedSetup(storage)).toEqual({ setup: configToSetup(setupToConfig(setup)) });
  });

  it('keeps init overrides, colours and the landscape, or its absence, and every optimizer type', () => {
    for (const setup of [irisLandscapeSetup(), setupWithoutLandscape(), everyOptimizerSetup()]) {
      const storage = memoryStorage();
      rememberSetup(storage, setup);
      expect(setupOf(readRememberedSetup(storage))).toEqual(configToSetup(setupToConfig(setup)));
    }
    const storage = memoryStorage();
    rememberSetup(storage, setupWithoutLandscape());
    expect(setupOf(readRememberedSetup(storage)).landscape).toBeUndefined();
  });

  it('loads a setup remembered before the landscape existed, with its task default landscape', () => {
    const storage = memoryStorage({ [EARLIER_SETUP_STORAGE_KEY]: JSON.stringify(EARLIER_CONFIG) });
    const setup = setupOf(readRememberedSetup(storage));
    expect(setup).toMatchObject({ task: 'language-modeling', seed: 3, length: { unit: 'steps', value: 120 }, init: undefined });
    expect(setup.runs.map((run) => [run.name, run.color])).toEqual([['adamw', undefined]]);
    expect(setup.landscape).toEqual(landscapeSchema.parse({}));
    const image = { ...EARLIER_CONFIG, task: 'image-classification', model: 'cnn-small', data: { source: 'synthetic' } };
    expect(setupOf(readRememberedSetup(memoryStorage({ [EARLIER_SETUP_STORAGE_KEY]: JSON.stringify(image) }))).landscape).toEqual(landscapeSchema.parse({}));
    // Writing it again moves it to the current key, after which no landscape means none.
    rememberSetup(storage, { ...setup, landscape: undefined });
    expect(storage.getItem(EARLIER_SETUP_STORAGE_KEY)).toBeNull();
    expect(setupOf(readRememberedSetup(storage)).landscape).toBeUndefined();
  });

  it('prefers the current entry to an earlier one, and reports a broken earlier one like any other', () => {
    const storage = memoryStorage({
      [EARLIER_SETUP_STORAGE_KEY]: JSON.stringify(EARLIER_CONFIG),
      [SETUP_STORAGE_KEY]: JSON.stringify(setupToConfig(irisLandscapeSetup())),
    });
    expect(setupOf(readRememberedSetup(storage)).task).toBe('tabular-classification');
    const broken = memoryStorage({ [EARLIER_SETUP_STORAGE_KEY]: JSON.stringify({ ...EARLIER_CONFIG, batch_size: 0 }) });
    expect(readRememberedSetup(broken)).toEqual({ error: expect.stringContaining('batch_size: must be > 0 (got 0)') });
    forgetRememberedSetup(broken);
    expect(broken.getItem(EARLIER_SETUP_STORAGE_KEY)).toBeNull();
    expect(readRememberedSetup(broken)).toBeNull();
  });

  it('is null when there is none, or no storage', () => {
    expect(readRememberedSetup(memoryStorage())).toBeNull();
    expect(readRememberedSetup(null)).toBeNull();
    rememberSetup(null, defaultSetup('image-classification'));
  });

  it('is an error naming the invalid values, not a setup, when the schema refuses it', () => {
    const config = { ...setupToConfig(defaultSetup('image-classification')), batch_size: 0 };
    const read = readRememberedSetup(memoryStorage({ [SETUP_STORAGE_KEY]: JSON.stringify(config) }));
    expect(read).toEqual({ error: expect.stringContaining('batch_size: must be > 0 (got 0)') });
    expect((read as { error: string }).error).toMatch(/dropped and the page starts from the default setup/);
  });

  it('refuses the older format (the page setup itself) and damaged text', () => {
    const older = readRememberedSetup(memoryStorage({ [SETUP_STORAGE_KEY]: JSON.stringify(defaultSetup('image-classification')) }));
    expect(older).toEqual({ error: expect.stringContaining('not a valid run config') });
    expect(readRememberedSetup(memoryStorage({ [SETUP_STORAGE_KEY]: '{"task": "image-clas' }))).toEqual({ error: expect.stringContaining('not valid JSON') });
    expect(readRememberedSetup(memoryStorage({ [SETUP_STORAGE_KEY]: 'null' }))).toEqual({ error: expect.stringContaining('not a valid run config') });
  });

  it('survives a storage that throws, and can be forgotten', () => {
    const throwing = {
      ...memoryStorage(),
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    } as Storage;
    expect(readRememberedSetup(throwing)).toBeNull();
    rememberSetup(throwing, defaultSetup('image-classification'));
    const storage = memoryStorage();
    rememberSetup(storage, defaultSetup('image-classification'));
    forgetRememberedSetup(storage);
    expect(storage.getItem(SETUP_STORAGE_KEY)).toBeNull();
  });
});
