import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../../testing/fault-server';
import { fetchBytes, sha256Hex } from './fetch-bytes';
import { expectDatasetError } from '../../testing/data/dataset-errors';

describe('sha256Hex', () => {
  it('gives the FIPS 180-2 digests', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes only the view, not the whole buffer behind it', async () => {
    const buffer = new TextEncoder().encode('xxabcxx');
    expect(await sha256Hex(buffer.subarray(2, 5))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('fetchBytes in Node', () => {
  let server: FaultServer;
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());

  it('streams the whole body and reports progress up to the total', async () => {
    server.put('f/ok.bin', bytes);
    server.setFault('f/ok.bin', 'slow');
    const events: [number, number][] = [];
    const got = await fetchBytes(`${server.url}/f/ok.bin`, { label: 'Test file', onProgress: (loaded, total) => events.push([loaded, total]) });
    expect([...got]).toEqual([...bytes]);
    expect(events[0]).toEqual([0, 1000]);
    expect(events.at(-1)).toEqual([1000, 1000]);
    expect(events.length).toBeGreaterThan(3);
    for (let i = 1; i < events.length; i++) expect(events[i][0]).toBeGreaterThanOrEqual(events[i - 1][0]);
  });

  it('reports a total of 0 until a body of unknown length ends, then the size received', async () => {
    const chunks = [Uint8Array.from([1, 2, 3]), Uint8Array.from([4, 5])];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const events: [number, number][] = [];
    const got = await fetchBytes('https://unused.invalid/x', {
      label: 'Streamed',
      fetchImpl: async () => new Response(body),
      onProgress: (loaded, total) => events.push([loaded, total]),
    });
    expect([...got]).toEqual([1, 2, 3, 4, 5]);
    expect(events).toEqual([
      [0, 0],
      [3, 0],
      [5, 0],
      [5, 5],
    ]);
  });

  it('turns 404 and 500 into "http" errors with advice', async () => {
    const missing = await expectDatasetError(fetchBytes(`${server.url}/f/missing.bin`, { label: 'Shard 3' }), 'http', [
      `Shard 3 (${server.url}/f/missing.bin): HTTP 404 Not Found`,
      'npm run data',
    ]);
    expect(missing.fileName).toBe(`${server.url}/f/missing.bin`);
    server.put('f/broken.bin', bytes);
    server.setFault('f/broken.bin', '500');
    await expectDatasetError(fetchBytes(`${server.url}/f/broken.bin`, { label: 'Shard 4' }), 'http', ['HTTP 500 Internal Server Error', 'try again later']);
  });

  it('turns a connection dropped midway into "truncated" with the bytes received', async () => {
    server.put('f/cut.bin', bytes);
    server.setFault('f/cut.bin', 'truncate');
    await expectDatasetError(fetchBytes(`${server.url}/f/cut.bin`, { label: 'Shard 5', expectedBytes: 1000 }), 'truncated', [
      /Shard 5 .*received \d+ of 1000 bytes/,
      'the download was cut short, try again',
    ]);
  });

  it('calls a whole file shorter than expected "truncated" and says the server holds it so', async () => {
    server.put('f/short.bin', bytes.subarray(0, 600));
    await expectDatasetError(fetchBytes(`${server.url}/f/short.bin`, { label: 'Shard 6', expectedBytes: 1000 }), 'truncated', [
      'received 600 of 1000 bytes',
      'the file on the server is shorter than the manifest says',
    ]);
  });

  it('turns an unreachable host into "network", naming CORS as the other cause', async () => {
    const gone = await startFaultServer();
    const url = `${gone.url}/x.bin`;
    await gone.close();
    await expectDatasetError(fetchBytes(url, { label: 'Manifest' }), 'network', [
      `Manifest (${url}): the server could not be reached or refused cross-origin access`,
      'Access-Control-Allow-Origin',
      'ECONNREFUSED',
    ]);
  });

  it('lets an abort through as an AbortError, not a dataset fault', async () => {
    server.put('f/abort.bin', bytes);
    server.setFault('f/abort.bin', 'slow');
    const controller = new AbortController();
    const pending = fetchBytes(`${server.url}/f/abort.bin`, {
      label: 'Shard',
      signal: controller.signal,
      onProgress: (loaded) => loaded > 0 && controller.abort(),
    });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
