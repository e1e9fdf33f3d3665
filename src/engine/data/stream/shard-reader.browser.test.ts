import { describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES } from '../cifar10';
import type { ImageManifest } from '../manifest';
import { expectBytes, prefixFor, requestCountReaching, server, testCache } from '../../testing/data/stream-browser-setup';
import { openShardCache, readVerified, shardCacheKey } from './shard-cache';
import { ShardReader, type ShardProgressEvent } from './shard-reader';
import { expectDatasetError } from '../../testing/data/dataset-errors';
import { FIXTURE_VOCABULARY, imageFixture, imageRecords, tokenFixture, uint16Tokens, uploadFixture } from '../../testing/data/shard-fixtures';

const SHARD_BYTES = 4 * CIFAR10_RECORD_BYTES;

describe('ShardReader against a cross-origin host', () => {
  it('reads every shard of an image dataset byte for byte, with progress up to each total', async () => {
    const fixture = await imageFixture();
    const url = await uploadFixture(server, prefixFor('happy-images'), fixture);
    const events: ShardProgressEvent[] = [];
    const reader = await ShardReader.open(url, { onProgress: (event) => events.push(event) });
    expect(reader.manifest).toEqual(fixture.manifest);
    for (let i = 0; i < 3; i++) expectBytes(await reader.readShard('train', i), fixture.files.get(`train-0000${i}.bin`));
    expectBytes(await reader.readSplit('test'), fixture.files.get('test-00000.bin'));

    const last = new Map(events.map((event) => [event.label, event]));
    expect([...last.keys()]).toEqual([
      'Shard manifest',
      'tiny-cifar train shard 1 of 3',
      'tiny-cifar train shard 2 of 3',
      'tiny-cifar train shard 3 of 3',
      'tiny-cifar test shard 1 of 1',
    ]);
    expect(last.get('Shard manifest')).toEqual({
      label: 'Shard manifest',
      loaded: fixture.files.get('manifest.json')!.length,
      total: fixture.files.get('manifest.json')!.length,
    });
    for (const [label, event] of last) if (label !== 'Shard manifest') expect(event).toEqual({ label, loaded: SHARD_BYTES, total: SHARD_BYTES });
  });

  it('reads token shards and the vocabulary', async () => {
    const fixture = await tokenFixture();
    const url = await uploadFixture(server, prefixFor('happy-tokens'), fixture);
    const reader = await ShardReader.open(url);
    expectBytes(await reader.readShard('train', 1), fixture.files.get('train-00001.bin'));
    expectBytes(await reader.readSplit('validation'), fixture.files.get('validation-00000.bin'));
    expect(await reader.readVocabulary()).toEqual(FIXTURE_VOCABULARY);
  });

  it('still succeeds on a slow response, reporting progress as the bytes arrive', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('slow');
    const url = await uploadFixture(server, prefix, fixture);
    await server.setFault(`${prefix}train-00001.bin`, 'slow');
    const loaded: number[] = [];
    const reader = await ShardReader.open(url, { onProgress: (event) => event.label === 'tiny-cifar train shard 2 of 3' && loaded.push(event.loaded) });
    expectBytes(await reader.readShard('train', 1), fixture.files.get('train-00001.bin'));
    expect(loaded[0]).toBe(0);
    expect(loaded.at(-1)).toBe(SHARD_BYTES);
    expect(new Set(loaded).size).toBeGreaterThanOrEqual(4);
  });
});

describe('ShardReader with Cache Storage', () => {
  it('serves a second reader of the same manifest from the cache, without GETs', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('cache-hit');
    const url = await uploadFixture(server, prefix, fixture);
    const { name, cache } = await testCache();
    const first = await ShardReader.open(url, { cache });
    for (let i = 0; i < 3; i++) await first.readShard('train', i);
    const counts = await Promise.all([0, 1, 2].map((i) => server.requestCount(`${prefix}train-0000${i}.bin`)));
    expect(counts).toEqual([1, 1, 1]);

    const second = await ShardReader.open(url, { cache: await openShardCache(name) });
    for (let i = 0; i < 3; i++) expectBytes(await second.readShard('train', i), fixture.files.get(`train-0000${i}.bin`));
    expect(await Promise.all([0, 1, 2].map((i) => server.requestCount(`${prefix}train-0000${i}.bin`)))).toEqual([1, 1, 1]);
    // The manifest itself is always fetched again, so a rewritten dataset is noticed.
    expect(await server.requestCount(`${prefix}manifest.json`)).toBe(2);
  });

  it('detects a corrupted cache entry, drops it and downloads the shard again', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('cache-corrupt');
    const url = await uploadFixture(server, prefix, fixture);
    const { cache } = await testCache();
    const reader = await ShardReader.open(url, { cache });
    await reader.readShard('train', 0);
    const shard = fixture.manifest.splits.train.shards[0];
    const key = shardCacheKey(reader.shardUrl('train', 0), shard.sha256);
    const spoiled = new Uint8Array(fixture.files.get('train-00000.bin')!);
    spoiled[100] ^= 0xff;
    await cache.put(key, spoiled);

    expectBytes(await reader.readShard('train', 0), fixture.files.get('train-00000.bin'));
    expect(await server.requestCount(`${prefix}train-00000.bin`)).toBe(2);
    expectBytes((await readVerified(cache, key, shard.sha256))!, fixture.files.get('train-00000.bin'));
  });

  it('keeps the good shards it cached when another shard fails', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('cache-keep');
    const url = await uploadFixture(server, prefix, fixture);
    const { cache } = await testCache();
    const reader = await ShardReader.open(url, { cache });
    await reader.readShard('train', 0);
    await reader.readShard('train', 2);
    await server.setFault(`${prefix}train-00001.bin`, '500');
    await expectDatasetError(reader.readShard('train', 1), 'http', ['HTTP 500']);
    const spoiled = new Uint8Array(fixture.files.get('test-00000.bin')!);
    spoiled[7] ^= 1;
    await server.put(`${prefix}test-00000.bin`, spoiled);
    await expectDatasetError(reader.readShard('test', 0), 'hash', ['tiny-cifar test shard 1 of 1']);

    for (const i of [0, 2]) {
      const shard = fixture.manifest.splits.train.shards[i];
      expectBytes((await cache.get(shardCacheKey(reader.shardUrl('train', i), shard.sha256)))!, fixture.files.get(shard.file));
      expectBytes(await reader.readShard('train', i), fixture.files.get(shard.file));
      expect(await server.requestCount(`${prefix}${shard.file}`)).toBe(1);
    }
  });
});

describe('ShardReader faults', () => {
  it('refuses a manifest that is not JSON', async () => {
    const prefix = prefixFor('manifest-json');
    await server.put(`${prefix}manifest.json`, '{"format": "adafisher-playground-shards", ');
    await expectDatasetError(ShardReader.open(server.fileUrl(`${prefix}manifest.json`)), 'manifest', ['manifest.json is not valid JSON', 'npm run data']);
  });

  it('refuses a manifest with a wrong field', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('manifest-field');
    const manifest = { ...fixture.manifest, record: { layout: 'cifar10-binary', bytes: 3072 } };
    await server.put(`${prefix}manifest.json`, JSON.stringify(manifest));
    await expectDatasetError(ShardReader.open(server.fileUrl(`${prefix}manifest.json`)), 'manifest', [
      'manifest.json is malformed',
      'record.bytes',
      'npm run data',
    ]);
  });

  it('refuses a manifest whose counts do not add up', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('manifest-counts');
    const manifest = fixture.manifest as ImageManifest;
    const wrong = { ...manifest, splits: { ...manifest.splits, train: { ...manifest.splits.train, records: 13 } } };
    await server.put(`${prefix}manifest.json`, JSON.stringify(wrong));
    await expectDatasetError(ShardReader.open(server.fileUrl(`${prefix}manifest.json`)), 'manifest', ['splits.train.records: is 13 but its shards hold 12']);
  });

  it('refuses a shard that is not a whole number of records, or more records than listed', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('record-size');
    const url = await uploadFixture(server, prefix, fixture);
    const shard = fixture.files.get('train-00001.bin')!;
    const ragged = new Uint8Array(shard.length + 5);
    ragged.set(shard);
    await server.put(`${prefix}train-00001.bin`, ragged);
    const reader = await ShardReader.open(url);
    await expectDatasetError(reader.readShard('train', 1), 'record-size', [
      `tiny-cifar train shard 2 of 3 (${server.fileUrl(`${prefix}train-00001.bin`)}) is ${SHARD_BYTES + 5} bytes`,
      '3073-byte records: 4 whole records and 5 bytes left over',
      'npm run data',
    ]);
    await server.put(`${prefix}train-00002.bin`, imageRecords([8, 9, 10, 11, 12]));
    await expectDatasetError(reader.readShard('train', 2), 'record-size', [
      `is ${5 * CIFAR10_RECORD_BYTES} bytes (5 records), but the manifest says ${SHARD_BYTES} bytes (4 records)`,
    ]);
  });

  it('refuses an image record whose label is not a class of the manifest', async () => {
    const bad = imageRecords([4, 5, 6, 7]);
    bad[2 * CIFAR10_RECORD_BYTES] = 12;
    const fixture = await imageFixture({ train: [imageRecords([0, 1, 2, 3]), bad], test: [imageRecords([8])] });
    const prefix = prefixFor('label');
    const reader = await ShardReader.open(await uploadFixture(server, prefix, fixture));
    expectBytes(await reader.readShard('train', 0), fixture.files.get('train-00000.bin'));
    await expectDatasetError(reader.readShard('train', 1), 'label', [
      `tiny-cifar train shard 2 of 2 (${server.fileUrl(`${prefix}train-00001.bin`)})`,
      'record 2 has label 12, but the manifest lists 10 classes (labels 0 to 9)',
    ]);
  });

  it('refuses a token id outside the vocabulary', async () => {
    const fixture = await tokenFixture({ train: [uint16Tokens([2, 3, 4, 7, 1])], validation: [uint16Tokens([2, 1])], test: [uint16Tokens([3, 1])] });
    const reader = await ShardReader.open(await uploadFixture(server, prefixFor('token-id'), fixture));
    await expectDatasetError(reader.readShard('train', 0), 'label', [
      'tiny-text train shard 1 of 1',
      'token 3 is id 7, but the vocabulary has 7 entries (ids 0 to 6)',
    ]);
  });

  it('refuses a shard whose SHA-256 differs from the manifest', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('hash');
    const url = await uploadFixture(server, prefix, fixture);
    const changed = new Uint8Array(fixture.files.get('train-00000.bin')!);
    changed[500] ^= 0x10;
    await server.put(`${prefix}train-00000.bin`, changed);
    const { cache } = await testCache();
    const reader = await ShardReader.open(url, { cache });
    await expectDatasetError(reader.readShard('train', 0), 'hash', [
      `but the manifest says ${fixture.manifest.splits.train.shards[0].sha256}`,
      'the shard changed on the server or was corrupted; run `npm run data` again',
    ]);
    expect(await cache.get(shardCacheKey(reader.shardUrl('train', 0), fixture.manifest.splits.train.shards[0].sha256))).toBeUndefined();
  });

  it('reports a download cut short', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('truncate');
    const url = await uploadFixture(server, prefix, fixture);
    await server.setFault(`${prefix}train-00000.bin`, 'truncate');
    const reader = await ShardReader.open(url);
    await expectDatasetError(reader.readShard('train', 0), 'truncated', [
      'tiny-cifar train shard 1 of 3',
      new RegExp(`received \\d+ of ${SHARD_BYTES} bytes`),
      'the download was cut short, try again',
    ]);
  });

  it('reports HTTP 404 and 500 with what to do', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('http');
    const url = await uploadFixture(server, prefix, fixture);
    await expectDatasetError(ShardReader.open(server.fileUrl(`${prefix}absent/manifest.json`)), 'http', [
      `Shard manifest (${server.fileUrl(`${prefix}absent/manifest.json`)}): HTTP 404 Not Found`,
      'run `npm run data`',
    ]);
    await server.setFault(`${prefix}train-00000.bin`, '404');
    await server.setFault(`${prefix}train-00001.bin`, '500');
    const reader = await ShardReader.open(url);
    await expectDatasetError(reader.readShard('train', 0), 'http', ['tiny-cifar train shard 1 of 3', 'HTTP 404 Not Found', 'Check the URL']);
    await expectDatasetError(reader.readShard('train', 1), 'http', ['tiny-cifar train shard 2 of 3', 'HTTP 500 Internal Server Error', 'try again later']);
  });

  it('reports a host that refuses cross-origin access (no CORS headers)', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('cors');
    const url = await uploadFixture(server, prefix, fixture);
    await server.setFault(`${prefix}manifest.json`, 'no-cors');
    await expectDatasetError(ShardReader.open(url), 'network', [
      `Shard manifest (${url}): the server could not be reached or refused cross-origin access`,
      'Access-Control-Allow-Origin',
      "check the host's CORS settings",
    ]);
    // The browser made the request; it is the answer the page may not read.
    expect(await requestCountReaching(`${prefix}manifest.json`, 1)).toBe(1);
    await server.setFault(`${prefix}manifest.json`, 'none');
    await server.setFault(`${prefix}train-00002.bin`, 'no-cors');
    const reader = await ShardReader.open(url);
    await expectDatasetError(reader.readShard('train', 2), 'network', ['tiny-cifar train shard 3 of 3', 'Access-Control-Allow-Origin']);
  });
});
