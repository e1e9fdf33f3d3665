import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFaultServer, type FaultServer } from '../testing/fault-server';
import { DatasetError } from './dataset-error';
import { HF_DEFAULT_BASE_URL } from '../config/hf-hub';
import { hfCifar10Url, hfWikitextUrl, readHfCifar10, readHfWikitext } from './hf-parquet';

describe('Hugging Face URLs', () => {
  it('point at the resolve/main files of uoft-cs/cifar10 and Salesforce/wikitext', () => {
    expect(HF_DEFAULT_BASE_URL).toBe('https://huggingface.co');
    expect(hfCifar10Url('train')).toBe('https://huggingface.co/datasets/uoft-cs/cifar10/resolve/main/plain_text/train-00000-of-00001.parquet');
    expect(hfCifar10Url('test')).toBe('https://huggingface.co/datasets/uoft-cs/cifar10/resolve/main/plain_text/test-00000-of-00001.parquet');
    expect(hfWikitextUrl('train')).toBe('https://huggingface.co/datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/train-00000-of-00001.parquet');
    expect(hfWikitextUrl('validation')).toBe(
      'https://huggingface.co/datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/validation-00000-of-00001.parquet',
    );
    expect(hfWikitextUrl('test')).toBe('https://huggingface.co/datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/test-00000-of-00001.parquet');
  });

  it('join a mirror base with or without its trailing slash', () => {
    expect(hfCifar10Url('test', 'https://hf-mirror.com/')).toBe(
      'https://hf-mirror.com/datasets/uoft-cs/cifar10/resolve/main/plain_text/test-00000-of-00001.parquet',
    );
    expect(hfWikitextUrl('train', 'http://127.0.0.1:8080/hub')).toBe(
      'http://127.0.0.1:8080/hub/datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/train-00000-of-00001.parquet',
    );
  });
});

describe('hf-parquet in Node (the headless command line)', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reads WikiText lines over range requests', async () => {
    server.put(
      'wiki.parquet',
      new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: ['', ' = A = \n', '', ' b c .\n'], type: 'STRING' }], rowGroupSize: 2 })),
    );
    const progress: number[] = [];
    const lines = await readHfWikitext('train', { url: `${server.url}/wiki.parquet`, onProgress: (_, loaded) => progress.push(loaded) });
    expect(lines).toEqual(['', ' = A = ', '', ' b c .']);
    expect(progress).toEqual([0, 2, 4]);
    expect(server.requestCount('wiki.parquet')).toBe(1 + 2);
  });

  it('turns a 404 into an http DatasetError', async () => {
    const error = await readHfWikitext('test', { url: `${server.url}/missing.parquet` }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).kind).toBe('http');
    expect((error as DatasetError).message).toContain(`HEAD ${server.url}/missing.parquet answered HTTP 404`);
  });

  it('asks for the size with a ranged GET when HEAD is forbidden, as signed storage URLs answer', async () => {
    server.put('signed.parquet', new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: ['x\n'], type: 'STRING' }] })));
    const realFetch = globalThis.fetch;
    const requests: string[] = [];
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(`${init?.method ?? 'GET'} ${new Headers(init?.headers).get('Range')}`);
      return init?.method === 'HEAD' ? Promise.resolve(new Response(null, { status: 403 })) : realFetch(input, init);
    });
    expect(await readHfWikitext('train', { url: `${server.url}/signed.parquet` })).toEqual(['x']);
    expect(requests.slice(0, 2)).toEqual(['HEAD null', 'GET bytes=0-0']);
  });

  it('says what the server must send when it gives no size', async () => {
    // Neither a Content-Length on HEAD nor a Content-Range on a ranged GET.
    vi.stubGlobal('fetch', () => Promise.resolve(new Response(null, { status: 200 })));
    const error = await readHfWikitext('train', { url: 'https://mirror.example/no-size.parquet' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).kind).toBe('http');
    expect((error as DatasetError).message).toContain('Could not learn the size of https://mirror.example/no-size.parquet');
    expect((error as DatasetError).message).toContain('HTTP range requests');
  });

  it('says CIFAR-10 needs a browser, before fetching anything', async () => {
    await expect(readHfCifar10('train', { url: `${server.url}/cifar.parquet` })).rejects.toThrow('createImageBitmap and OffscreenCanvas');
    expect(server.requestCount('cifar.parquet')).toBe(0);
  });
});
