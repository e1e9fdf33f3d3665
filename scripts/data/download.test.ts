import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../../src/engine/testing/fault-server';
import { downloadArchive, type DownloadOptions } from './download';
import { rejectedDatasetError } from '../../src/engine/testing/data/dataset-errors';

let server: FaultServer;
let dir: string;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  dir = await mkdtemp(join(tmpdir(), 'download-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256);
const md5 = createHash('md5').update(bytes).digest('hex');

function options(url: string, writes: string[] = []): DownloadOptions {
  return { url, path: join(dir, 'a.zip.tmp'), expectedMd5: md5, label: 'a.zip', rerun: 'npm run data -- x', sink: { write: (text) => writes.push(text) } };
}

describe('downloadArchive', () => {
  it('streams the file to disk with progress lines and returns its MD5', async () => {
    server.put('a.zip', bytes);
    server.setFault('a.zip', 'slow');
    const writes: string[] = [];
    expect(await downloadArchive(options(`${server.url}/a.zip`, writes))).toBe(md5);
    expect([...(await readFile(join(dir, 'a.zip.tmp')))]).toEqual([...bytes]);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.at(-1)).toMatch(/^a\.zip: 50\.0 kB of 50\.0 kB \(100%\), [\d.]+ MB\/s\n$/);
  });

  it('refuses a download whose MD5 differs, telling to delete it and run again', async () => {
    server.put('a.zip', bytes);
    const error = await rejectedDatasetError(downloadArchive({ ...options(`${server.url}/a.zip`), expectedMd5: '0'.repeat(32) }));
    expect(error.kind).toBe('hash');
    expect(error.message).toContain(`has MD5 ${md5}, but the expected MD5 is ${'0'.repeat(32)}`);
    expect(error.message).toContain(`Delete ${join(dir, 'a.zip.tmp')} and run \`npm run data -- x\` again`);
  });

  it('reports a connection dropped midway as truncated and removes the partial file', async () => {
    server.put('a.zip', bytes);
    server.setFault('a.zip', 'truncate');
    const error = await rejectedDatasetError(downloadArchive(options(`${server.url}/a.zip`)));
    expect(error.kind).toBe('truncated');
    expect(error.message).toMatch(
      /^The download of http:\/\/127\.0\.0\.1:\d+\/a\.zip was interrupted after 25\.0 kB of 50\.0 kB \(.+\), so the file is truncated\. No manifest was written; run `npm run data -- x` again\.$/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports an HTTP error status', async () => {
    server.put('a.zip', bytes);
    server.setFault('a.zip', '500');
    const error = await rejectedDatasetError(downloadArchive(options(`${server.url}/a.zip`)));
    expect(error.kind).toBe('http');
    expect(error.message).toMatch(
      /a\.zip answered HTTP 500 Internal Server Error instead of the file\. If the address has moved, download the file yourself and pass it with --from/,
    );
    const missing = await rejectedDatasetError(downloadArchive(options(`${server.url}/nothing.zip`)));
    expect(missing.message).toContain('answered HTTP 404');
  });

  it('reports a server that cannot be reached', async () => {
    const closed = await startFaultServer();
    const url = `${closed.url}/a.zip`;
    await closed.close();
    const error = await rejectedDatasetError(downloadArchive(options(url)));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(
      /^Could not reach http:\/\/127\.0\.0\.1:\d+\/a\.zip \(fetch failed: .*ECONNREFUSED.*\)\. Check the internet connection or proxy and run `npm run data -- x` again, or download the file yourself and pass it with --from\.$/,
    );
  });
});
