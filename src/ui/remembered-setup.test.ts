import { describe, expect, it } from 'vitest';
import { forgetRememberedSetup, readRememberedSetup, rememberSetup, SETUP_STORAGE_KEY } from './remembered-setup';
import { configToSetup, defaultSetup, setupToConfig } from './setup';
import { memoryStorage } from './testing/test-playground';

describe('the remembered setup', () => {
  it('comes back as the run config it was written as', () => {
    const storage = memoryStorage();
    const setup = { ...defaultSetup('language-modeling'), seed: 7, batchSize: 4 };
    rememberSetup(storage, setup);
    expect(JSON.parse(storage.getItem(SETUP_STORAGE_KEY)!)).toEqual(JSON.parse(JSON.stringify(setupToConfig(setup))));
    // What a link or a YAML file would give for the same setup.
    expect(readRememberedSetup(storage)).toEqual({ setup: configToSetup(setupToConfig(setup)) });
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
