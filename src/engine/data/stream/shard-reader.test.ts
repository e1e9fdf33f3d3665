import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../../testing/fault-server';
import { faultServerClient } from '../../testing/fault-server-client';
import { DatasetError } from '../dataset-error';
import type { TokenManifest } from '../manifest';
import { memoryShardCache } from './shard-cache';
import { resolveManifestUrl, ShardReader } from './shard-reader';
import { expectDatasetError } from '../../testing/data/dataset-errors';
import { FIXTURE_VOCABULARY, imageFixture, tokenFixture, uploadFixture } from '../../testing/data/shard-fixtures';

describe('resolveManifestUrl', () => {
  it('keeps absolute URLs and resolves relative ones against the page', () => {
    expect(resolveManifestUrl('https://cdn.example.org/cifar10/manifest.json', 'http://localhost:5173/app/')).toBe(
      'https://cdn.example.org/cifar10/manifest.json',
    );
    expect(resolveManifestUrl('/data/cifar10/manifest.json', 'http://localhost:5173/app/index.html')).toBe('http://localhost:5173/data/cifar10/manifest.json');
    expect(resolveManifestUrl('data/cifar10/manifest.json', 'http://localhost:5173/app/index.html')).toBe(
      'http://localhost:5173/app/data/cifar10/manifest.json',
    );
  });

  it('refuses a relative URL with nothing to resolve it against (Node has no location)', () => {
    expect(globalThis.location).toBeUndefined();
    let error: unknown;
    try {
      resolveManifestUrl('/data/cifar10/manifest.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).kind).toBe('manifest');
    expect((error as DatasetError).message).toContain(
      '"/data/cifar10/manifest.json" is not an absolute URL, and there is no page address to resolve it against',
    );
  });
});

describe('ShardReader in Node', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());

  it('resolves a same-origin manifest path against the page and shard files against the manifest', async () => {
    const fixture = await imageFixture();
    await uploadFixture(faultServerClient(server.url), 'data/resolve/', fixture);
    const reader = await ShardReader.open('/data/resolve/manifest.json', { baseUrl: `${server.url}/app/index.html` });
    expect(reader.manifestUrl).toBe(`${server.url}/data/resolve/manifest.json`);
    expect(reader.shardUrl('train', 2)).toBe(`${server.url}/data/resolve/train-00002.bin`);
    expect([...(await reader.readShard('train', 2))]).toEqual([...fixture.files.get('train-00002.bin')!]);
    expect(server.requestCount('data/resolve/train-00002.bin')).toBe(1);
  });

  it('reads a split whole and serves repeated reads from its cache', async () => {
    const fixture = await imageFixture();
    const url = await uploadFixture(faultServerClient(server.url), 'n-split/', fixture);
    const cache = memoryShardCache();
    const reader = await ShardReader.open(url, { cache });
    const done: string[] = [];
    const split = await reader.readSplit('train', (count, of) => done.push(`${count}/${of}`));
    const files = ['train-00000.bin', 'train-00001.bin', 'train-00002.bin'].map((file) => [...fixture.files.get(file)!]);
    expect([...split]).toEqual(files.flat());
    expect(done).toEqual(['1/3', '2/3', '3/3']);
    await reader.readShard('train', 1);
    expect(server.requestCount('n-split/train-00001.bin')).toBe(1);
  });

  it('reads the vocabulary of a token dataset, once', async () => {
    const url = await uploadFixture(faultServerClient(server.url), 'n-vocab/', await tokenFixture());
    const reader = await ShardReader.open(url, { cache: memoryShardCache() });
    expect(await reader.readVocabulary()).toEqual(FIXTURE_VOCABULARY);
    expect(await reader.readVocabulary()).toEqual(FIXTURE_VOCABULARY);
    expect(server.requestCount('n-vocab/vocab.txt')).toBe(1);
  });

  it('refuses a vocabulary that changed ("hash") or disagrees with the manifest ("manifest")', async () => {
    const client = faultServerClient(server.url);
    const fixture = await tokenFixture();
    const url = await uploadFixture(client, 'n-vocab-bad/', fixture);
    await client.put('n-vocab-bad/vocab.txt', `${FIXTURE_VOCABULARY.join('\n')}\nextra\n`);
    await expectDatasetError((await ShardReader.open(url)).readVocabulary(), 'hash', [
      'tiny-text vocabulary',
      `the manifest says ${(fixture.manifest as TokenManifest).vocabulary.sha256}`,
      'it is 37 bytes, the manifest says 31',
    ]);

    // A manifest written with the wrong size for a vocabulary whose hash it got right.
    const manifest = JSON.parse(new TextDecoder().decode(fixture.files.get('manifest.json')));
    manifest.vocabulary.size = 9;
    manifest.vocabulary.unk = '<oov>';
    await client.put('n-vocab-bad/vocab.txt', fixture.files.get('vocab.txt')!);
    await client.put('n-vocab-bad/manifest.json', JSON.stringify(manifest));
    await expectDatasetError((await ShardReader.open(url)).readVocabulary(), 'manifest', [
      "it has 7 lines but the manifest's vocabulary.size is 9",
      'it lacks the token "<oov>"',
      'npm run data',
    ]);
  });

  it('says so when asked for a split or a vocabulary the dataset does not have', async () => {
    const url = await uploadFixture(faultServerClient(server.url), 'n-missing/', await imageFixture());
    const reader = await ShardReader.open(url);
    await expectDatasetError(reader.readShard('validation', 0), 'manifest', ['has no "validation" split (it has train, test)']);
    await expectDatasetError(reader.readVocabulary(), 'manifest', ['is an image dataset; it has no vocabulary']);
    await expect(reader.readShard('train', 3)).rejects.toThrow(/Shard index 3 is out of range: the train split .* has 3 shards/);
  });
});
