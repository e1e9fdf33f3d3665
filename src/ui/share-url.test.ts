import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../engine/config/run-config';
import { DEFAULT_RUNS } from './default-runs';
import { configToSetup, defaultSetup, setupToConfig, TASKS, type Setup } from './setup';
import { decodeSetup, encodeSetup, SETUP_PARAM, setupFromUrl, shareLink } from './share-url';
import { everyOptimizerSetup, irisLandscapeSetup, setupWithoutLandscape } from './testing/setup-fixtures';

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Eight runs with distinct names and hyperparameters (the schema's maximum), on real data with a cosine schedule. */
function eightRuns(): Setup {
  const setup = defaultSetup('image-classification');
  setup.data = { ...setup.data, choice: 'huggingface', hubUrl: 'https://hf-mirror.example.org' };
  setup.runs = Array.from({ length: 8 }, (_, i) => {
    const base = structuredClone(DEFAULT_RUNS[i % DEFAULT_RUNS.length]);
    return {
      ...base,
      name: `${base.name}-lr-${i}`,
      optimizer: { ...base.optimizer, lr: 1.7e-4 * (i + 1) },
      schedule: { type: 'cosine', warmup_steps: 10 * i, final_fraction: 0.05 },
    };
  });
  return setup;
}

/** The setup as any import sees it: the schema's defaults filled in (the default setup leaves a few out). */
function imported(setup: Setup): Setup {
  return configToSetup(setupToConfig(setup));
}

function linkWithConfig(config: unknown): string {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(config))));
}

function expectError(result: ReturnType<typeof decodeSetup>): string {
  if (!('error' in result)) throw new Error('expected an error, got a setup');
  return result.error;
}

describe('setup in a link', () => {
  it('round-trips every task default setup', () => {
    for (const task of TASKS) {
      const setup = defaultSetup(task);
      const encoded = encodeSetup(setup);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeSetup(encoded)).toEqual({ setup: imported(setup) });
    }
  });

  it('round-trips eight runs with schedules and a data mirror, in a link under 2,000 characters', () => {
    const setup = eightRuns();
    const link = shareLink(setup, 'https://example.org/playground/');
    expect(link.length).toBeLessThan(2000);
    const decoded = setupFromUrl(link);
    expect(decoded).toEqual({ setup: imported(setup) });
    expect(parseRunConfig(setupToConfig((decoded as { setup: Setup }).setup)).runs).toHaveLength(8);
  });

  it('round-trips one run of each of the eight optimizer types with every field, in a link under 2,000 characters', () => {
    const setup = everyOptimizerSetup();
    const link = shareLink(setup, 'https://example.org/playground/');
    expect(link.length).toBeLessThan(2000);
    const decoded = setupFromUrl(link);
    expect(decoded).toEqual({ setup: imported(setup) });
    expect((decoded as { setup: Setup }).setup.runs.map((run) => run.optimizer)).toEqual(setup.runs.map((run) => run.optimizer));
  });

  it('round-trips runs with parameter groups (patterns, lr, weight decay, frozen)', () => {
    const setup = defaultSetup('language-modeling');
    setup.runs[0] = {
      ...setup.runs[0],
      param_groups: [
        { params: ['tok_emb.*', 'pos_emb.*'], lr: 0.01, weight_decay: 0 },
        { params: '*.bias', weight_decay: 0 },
      ],
    };
    setup.runs[1] = { ...setup.runs[1], param_groups: [{ params: '*_emb.weight', frozen: true }] };
    const decoded = decodeSetup(encodeSetup(setup)) as { setup: Setup };
    expect(decoded.setup.runs.map((run) => run.param_groups)).toEqual(setup.runs.map((run) => run.param_groups));
  });

  it('round-trips a tabular setup with init overrides, colours and a weights-plane landscape, and a setup without a landscape', () => {
    const iris = irisLandscapeSetup();
    const decoded = setupFromUrl(shareLink(iris, 'https://example.org/'));
    expect(decoded).toEqual({ setup: imported(iris) });
    const setup = (decoded as { setup: Setup }).setup;
    expect([setup.init, setup.landscape, setup.runs.map((run) => run.color)]).toEqual([iris.init, iris.landscape, ['black', '#00bcd4']]);
    const plain = setupWithoutLandscape();
    expect(decodeSetup(encodeSetup(plain))).toEqual({ setup: imported(plain) });
    expect((decodeSetup(encodeSetup(plain)) as { setup: Setup }).setup.landscape).toBeUndefined();
  });

  it('keeps other query parameters, replaces an earlier setup and drops the hash', () => {
    const setup = defaultSetup('language-modeling');
    const link = shareLink(setup, `https://example.org/app/?theme=dark&${SETUP_PARAM}=old#results`);
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe('https://example.org/app/');
    expect(url.searchParams.get('theme')).toBe('dark');
    expect(url.searchParams.getAll(SETUP_PARAM)).toEqual([encodeSetup(setup)]);
    expect(url.hash).toBe('');
    expect(setupFromUrl(link)).toEqual({ setup: imported(setup) });
  });

  it('gives null for a URL without the parameter', () => {
    expect(setupFromUrl('https://example.org/?theme=dark')).toBeNull();
    expect(setupFromUrl('not a url')).toBeNull();
  });

  it('says the link was cut off when the parameter is not base64url', () => {
    const expected = "The link's setup is not valid base64url (it may have been cut off when copied); ask for the link again or start from the defaults.";
    expect(expectError(decodeSetup('abc$def'))).toBe(expected);
    expect(expectError(decodeSetup(encodeSetup(defaultSetup('image-classification')).slice(0, 5)))).toBe(expected);
    expect(expectError(setupFromUrl('https://example.org/?setup=a+b')!)).toBe(expected);
  });

  it('says the link is empty for an empty parameter', () => {
    expect(expectError(setupFromUrl('https://example.org/?setup=')!)).toBe("The link's setup is empty; ask for the link again or start from the defaults.");
  });

  it('says the setup could not be decompressed when the bytes are not deflate data or were truncated', () => {
    const message = /^The link's setup could not be decompressed \(it may have been cut off or changed when copied\); ask for the link again/;
    expect(expectError(decodeSetup(toBase64Url(new Uint8Array([0xff, 0xff, 0xff, 0xff]))))).toMatch(message);
    const whole = encodeSetup(defaultSetup('image-classification'));
    expect(expectError(decodeSetup(whole.slice(0, Math.floor(whole.length / 2 / 4) * 4)))).toMatch(message);
  });

  it('says the setup is not JSON when the decompressed text is not', () => {
    expect(expectError(decodeSetup(toBase64Url(deflateSync(strToU8('{"task": image')))))).toMatch(/^The link's setup is not valid JSON once decompressed/);
  });

  it('lists the config problems with their paths and ranges', () => {
    const config = setupToConfig(defaultSetup('image-classification')) as { runs: { optimizer: { lr: number } }[]; batch_size: number };
    config.runs[0].optimizer.lr = -1;
    config.batch_size = 0;
    const error = expectError(decodeSetup(linkWithConfig(config)));
    expect(error).toContain("The link's setup is not valid: ");
    expect(error).toContain('runs[0].optimizer.lr: must be >= 0 (got -1)');
    expect(error).toContain('batch_size: must be > 0 (got 0)');
    expect(error).toMatch(/Ask for a corrected link or start from the defaults\.$/);
    expect(expectError(decodeSetup(linkWithConfig(null)))).toMatch(/^The link's setup is not valid: \(top level\): /);
  });

  it('accepts padded base64url and surrounding spaces', () => {
    const setup = defaultSetup('image-classification');
    const encoded = encodeSetup(setup);
    const padded = encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
    expect(decodeSetup(` ${padded}\n`)).toEqual({ setup: imported(setup) });
  });
});
