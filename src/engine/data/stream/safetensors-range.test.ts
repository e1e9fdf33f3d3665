import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, encodeSafetensors, type CheckpointErrorKind, type TensorEntry } from '../../checkpoint/safetensors';
import { startFaultServer, type FaultServer } from '../../testing/fault-server';
import { expectDatasetError } from '../../testing/data/dataset-errors';
import {
  coalesceRanges,
  gpt1EmbeddingTensors,
  gpt1SafetensorsUrl,
  HEADER_PREFETCH_BYTES,
  readGpt1Embeddings,
  readSafetensorsTensors,
  type ReadTensorsOptions,
} from './safetensors-range';
import { memoryShardCache } from './shard-cache';

describe('coalesceRanges', () => {
  it('merges touching and overlapping ranges, keeps gaps, and sorts', () => {
    expect(
      coalesceRanges([
        { start: 40, end: 50 },
        { start: 0, end: 10 },
        { start: 10, end: 20 },
        { start: 15, end: 18 },
        { start: 21, end: 30 },
      ]),
    ).toEqual([
      { start: 0, end: 20 },
      { start: 21, end: 30 },
      { start: 40, end: 50 },
    ]);
  });

  it('bridges gaps up to maxGap and drops empty ranges', () => {
    const ranges = [
      { start: 0, end: 10 },
      { start: 12, end: 20 },
      { start: 30, end: 30 },
      { start: 25, end: 28 },
    ];
    expect(coalesceRanges(ranges, 2)).toEqual([
      { start: 0, end: 20 },
      { start: 25, end: 28 },
    ]);
    expect(coalesceRanges(ranges, 5)).toEqual([{ start: 0, end: 28 }]);
    expect(coalesceRanges([])).toEqual([]);
  });

  it('does not change its input', () => {
    const ranges = [
      { start: 10, end: 20 },
      { start: 0, end: 10 },
    ];
    coalesceRanges(ranges);
    expect(ranges).toEqual([
      { start: 10, end: 20 },
      { start: 0, end: 10 },
    ]);
  });
});

it('points at the Hub file of openai-community/openai-gpt, or a mirror', () => {
  expect(gpt1SafetensorsUrl()).toBe('https://huggingface.co/openai-community/openai-gpt/resolve/main/model.safetensors');
  expect(gpt1SafetensorsUrl('https://mirror.example/')).toBe('https://mirror.example/openai-community/openai-gpt/resolve/main/model.safetensors');
  expect(gpt1EmbeddingTensors()).toEqual([
    { name: 'tokens_embed.weight', dtype: 'F32', shape: [40478, 768] },
    { name: 'positions_embed.weight', dtype: 'F32', shape: [512, 768] },
  ]);
});

// A shrunken GPT-1 file: the two embeddings under GPT-1's names, a block's weight before them
// and an integer tensor that the writer places first (wider dtypes first, then by name).
const SHAPE = { vocabulary: 50, positions: 16, width: 8 };
const EXPECTED = gpt1EmbeddingTensors(SHAPE);

function values(count: number, seed: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(seed * 1000 + i) * 0.1);
}

function fixtureTensors(extra: Record<string, TensorEntry> = {}): Record<string, TensorEntry> {
  return {
    'tokens_embed.weight': { dtype: 'F32', shape: [50, 8], data: values(400, 1) },
    'positions_embed.weight': { dtype: 'F32', shape: [16, 8], data: values(128, 2) },
    'h.0.attn.c_attn.weight': { dtype: 'F32', shape: [8, 24], data: values(192, 3) },
    'h.0.attn.bias': { dtype: 'I64', shape: [4], data: BigInt64Array.of(1n, 2n, 3n, 4n) },
    ...extra,
  };
}

function fixtureFile(extra: Record<string, TensorEntry> = {}, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(fixtureTensors(extra), metadata);
}

async function expectCheckpointError(promise: Promise<unknown>, kind: CheckpointErrorKind, ...parts: string[]): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as CheckpointError).kind, (error as Error).message).toBe(kind);
  for (const part of parts) expect((error as Error).message).toContain(part);
}

describe('readSafetensorsTensors from a host, by range requests', () => {
  let server: FaultServer;
  let path = '';
  let url = '';
  let uploads = 0;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    path = `gpt/${uploads++}/model.safetensors`;
    url = `${server.url}/${path}`;
  });

  /** fetch that runs `after` once the header has been read, so a file can change or break under the reader. */
  function afterHeader(after: () => void): typeof fetch {
    let calls = 0;
    return async (input, init) => {
      if (calls++ === 1) after();
      return fetch(input, init);
    };
  }

  const noCache: ReadTensorsOptions = { cache: null };

  it('reads the header in one request and both embeddings, adjacent in the file, in one more, exactly', async () => {
    server.put(path, fixtureFile());
    const events: [number, number][] = [];
    const tensors = await readGpt1Embeddings(url, { shape: SHAPE, cache: null, onProgress: (loaded, total) => events.push([loaded, total]) });
    expect(tensors.tokens).toEqual(fixtureTensors()['tokens_embed.weight'].data);
    expect(tensors.positions).toEqual(fixtureTensors()['positions_embed.weight'].data);
    expect(server.requestCount(path)).toBe(2);
    const total = (400 + 128) * 4;
    expect(events[0]).toEqual([0, total]);
    expect(events.at(-1)).toEqual([total, total]);
  });

  it('reads tensors that are apart in the file with one request each', async () => {
    // "p" < "pz" < "t": the extra tensor lands between the two embeddings.
    server.put(path, fixtureFile({ 'pz.weight': { dtype: 'F32', shape: [3], data: Float32Array.of(9, 9, 9) } }));
    const tensors = await readSafetensorsTensors(url, EXPECTED, noCache);
    expect(tensors['tokens_embed.weight']).toEqual(fixtureTensors()['tokens_embed.weight']);
    expect(tensors['positions_embed.weight']).toEqual(fixtureTensors()['positions_embed.weight']);
    expect(server.requestCount(path)).toBe(3);
  });

  it('reads a header longer than the first request with a second', async () => {
    server.put(path, fixtureFile({}, { note: 'x'.repeat(HEADER_PREFETCH_BYTES + 100) }));
    const tensors = await readSafetensorsTensors(url, EXPECTED, noCache);
    expect(tensors['positions_embed.weight']).toEqual(fixtureTensors()['positions_embed.weight']);
    expect(server.requestCount(path)).toBe(3);
  });

  it('serves a second read from the cache, and downloads again when the file changes', async () => {
    server.put(path, fixtureFile());
    const cache = memoryShardCache();
    await readSafetensorsTensors(url, EXPECTED, { cache });
    const again = await readSafetensorsTensors(url, EXPECTED, { cache });
    expect(again['tokens_embed.weight']).toEqual(fixtureTensors()['tokens_embed.weight']);
    expect(server.requestCount(path)).toBe(3);
    // Same size and offsets, other values: only the ETag tells the versions apart.
    const changed = fixtureTensors();
    changed['tokens_embed.weight'].data = values(400, 7);
    server.put(path, encodeSafetensors(changed));
    const fresh = await readSafetensorsTensors(url, EXPECTED, { cache });
    expect(fresh['tokens_embed.weight'].data).toEqual(values(400, 7));
    expect(server.requestCount(path)).toBe(5);
  });

  it('stops at the first answer of a host that ignores Range, and says so', async () => {
    server.put(path, fixtureFile());
    server.setFault(path, 'ignore-range');
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, noCache), 'no-range', [
      url,
      'HTTP 200',
      'does not support HTTP range requests',
      '--embeddings FILE',
    ]);
    expect(server.requestCount(path)).toBe(1);
  });

  it('reports a refused request with its status and reason', async () => {
    server.put(path, fixtureFile());
    server.setFault(path, '403');
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, noCache), 'http', [url, 'HTTP 403', 'refused access']);
    server.setFault(path, '404');
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, noCache), 'http', ['HTTP 404', '/resolve/']);
  });

  it('reports a range beyond the end of a file that shrank after its header was read (416)', async () => {
    const file = fixtureFile();
    server.put(path, file);
    const fetchImpl = afterHeader(() => server.put(path, file.subarray(0, 200)));
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, { ...noCache, fetchImpl }), 'http', ['HTTP 416', 'beyond the end of the file']);
  });

  it('reports a body shorter than the range', async () => {
    const file = fixtureFile();
    server.put(path, file);
    const fetchImpl = afterHeader(() => server.put(path, file.subarray(0, file.length - 100)));
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, { ...noCache, fetchImpl }), 'truncated', ['came back', 'of 2112 bytes']);
  });

  it('refuses ranges from a file replaced after its header was read (another ETag)', async () => {
    server.put(path, fixtureFile());
    const changed = fixtureTensors();
    changed['tokens_embed.weight'].data = values(400, 7);
    const cache = memoryShardCache();
    const fetchImpl = afterHeader(() => server.put(path, encodeSafetensors(changed)));
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, { cache, fetchImpl }), 'corrupt', ['changed while being read', 'try again']);
    // Nothing of the new version went into the cache under the old version's key.
    server.put(path, fixtureFile());
    const fresh = await readSafetensorsTensors(url, EXPECTED, { cache });
    expect(fresh['tokens_embed.weight'].data).toEqual(fixtureTensors()['tokens_embed.weight'].data);
  });

  it('reports a connection that drops during a tensor range, with the bytes received', async () => {
    server.put(path, fixtureFile());
    const fetchImpl = afterHeader(() => server.setFault(path, 'truncate'));
    await expectDatasetError(readSafetensorsTensors(url, EXPECTED, { ...noCache, fetchImpl }), 'truncated', ['broke off after 1056 of 2112 bytes']);
  });

  it('refuses a file shorter than its header says before reading any tensor', async () => {
    const file = fixtureFile();
    server.put(path, file.subarray(0, file.length - 4));
    await expectCheckpointError(readSafetensorsTensors(url, EXPECTED, noCache), 'truncated', 'truncated');
    expect(server.requestCount(path)).toBe(1);
  });

  it('names a missing tensor after reading the header only', async () => {
    const tensors = fixtureTensors();
    delete (tensors as Partial<typeof tensors>)['positions_embed.weight'];
    server.put(path, encodeSafetensors(tensors));
    await expectCheckpointError(readSafetensorsTensors(url, EXPECTED, noCache), 'name', '"positions_embed.weight"', url, 'its tensors:');
    expect(server.requestCount(path)).toBe(1);
  });

  it('refuses a wrong shape or dtype, naming the tensor', async () => {
    server.put(path, fixtureFile());
    await expectCheckpointError(
      readGpt1Embeddings(url, { shape: { ...SHAPE, width: 16 }, cache: null }),
      'shape',
      '"tokens_embed.weight"',
      '[50, 8]',
      '[50, 16]',
    );
    const half = fixtureTensors({ 'positions_embed.weight': { dtype: 'F16', shape: [16, 8], data: new Uint16Array(128) } });
    server.put(path, encodeSafetensors(half));
    await expectCheckpointError(readSafetensorsTensors(url, EXPECTED, noCache), 'dtype', '"positions_embed.weight"', 'F16');
  });

  it('refuses a file that is not safetensors: a header that is not JSON, or a length field out of bounds', async () => {
    const json = new TextEncoder().encode('<html>not found</html>');
    const notJson = new Uint8Array(8 + json.length);
    new DataView(notJson.buffer).setBigUint64(0, BigInt(json.length), true);
    notJson.set(json, 8);
    server.put(path, notJson);
    await expectCheckpointError(readSafetensorsTensors(url, EXPECTED, noCache), 'header-json', 'not valid JSON');
    server.put(path, new TextEncoder().encode('<!doctype html><html>a web page</html>'));
    await expectCheckpointError(readSafetensorsTensors(url, EXPECTED, noCache), 'header-length', '100 MB');
  });

  it('says no answer came back, naming CORS, when the host cannot be reached', async () => {
    const closed = await startFaultServer();
    const deadUrl = `${closed.url}/model.safetensors`;
    await closed.close();
    await expectDatasetError(readSafetensorsTensors(deadUrl, EXPECTED, noCache), 'network', [deadUrl, 'No HTTP answer', 'CORS', '--embeddings FILE']);
  });

  it('stops on abort with an AbortError', async () => {
    server.put(path, fixtureFile());
    server.setFault(path, 'slow');
    const controller = new AbortController();
    const reading = readSafetensorsTensors(url, EXPECTED, { ...noCache, signal: controller.signal });
    setTimeout(() => controller.abort(), 60);
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('readSafetensorsTensors from a local file', () => {
  it('reads the same tensors from a Blob, a File, an ArrayBuffer and a Uint8Array', async () => {
    const file = fixtureFile();
    const want = fixtureTensors();
    for (const input of [
      new Blob([file as Uint8Array<ArrayBuffer>]),
      new File([file as Uint8Array<ArrayBuffer>], 'model.safetensors'),
      file.buffer as ArrayBuffer,
      file,
    ]) {
      const tensors = await readSafetensorsTensors(input, EXPECTED);
      expect(tensors['tokens_embed.weight']).toEqual(want['tokens_embed.weight']);
      expect(tensors['positions_embed.weight']).toEqual(want['positions_embed.weight']);
    }
  });

  it('names the dropped file in its errors', async () => {
    const file = new File([fixtureFile() as Uint8Array<ArrayBuffer>], 'dropped.safetensors');
    await expectCheckpointError(readGpt1Embeddings(file, { shape: { ...SHAPE, positions: 512 } }), 'shape', 'dropped.safetensors', '[16, 8]', '[512, 8]');
    const cut = new File([fixtureFile().subarray(0, 100) as Uint8Array<ArrayBuffer>], 'cut.safetensors');
    await expectCheckpointError(readSafetensorsTensors(cut, EXPECTED), 'header-length', 'cut.safetensors', 'truncated');
  });
});
