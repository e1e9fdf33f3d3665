import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrowserNotFoundError, findBrowser } from './find-browser.mjs';

describe('findBrowser', () => {
  const fake = join(mkdtempSync(join(tmpdir(), 'browser-')), 'chrome');
  writeFileSync(fake, '');

  it('takes CHROME_PATH first', () => {
    expect(findBrowser({ CHROME_PATH: fake }, 'linux')).toBe(fake);
  });

  it('refuses a CHROME_PATH that does not exist, naming it', () => {
    expect(() => findBrowser({ CHROME_PATH: '/nowhere/chrome' }, 'linux')).toThrow(/CHROME_PATH=\/nowhere\/chrome/);
  });

  it('says what to install when nothing is found', () => {
    let caught: unknown;
    try {
      findBrowser({}, 'plan9');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BrowserNotFoundError);
    expect((caught as Error).message).toMatch(/apt-get install -y chromium/);
    expect((caught as Error).message).toMatch(/CHROME_PATH/);
  });
});
