import { describe, expect, it } from 'vitest';
import { sha256Hex } from './fetch-bytes';
import { memoryShardCache, openShardCache, readVerified, shardCacheKey } from './shard-cache';

const bytes = Uint8Array.from([1, 2, 3, 4, 5]);

describe('shard cache keys', () => {
  it('name the content: URL plus SHA-256', () => {
    expect(shardCacheKey('https://h/d/train-00000.bin', 'ab'.repeat(32))).toBe(`https://h/d/train-00000.bin#sha256=${'ab'.repeat(32)}`);
  });
});

describe('memoryShardCache', () => {
  it('keeps, forgets and clears entries', async () => {
    const cache = memoryShardCache();
    await cache.put('a', bytes);
    await cache.put('b', Uint8Array.from([9]));
    expect([...(await cache.get('a'))!]).toEqual([1, 2, 3, 4, 5]);
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
    expect([...(await cache.get('b'))!]).toEqual([9]);
    await cache.clear();
    expect(await cache.get('b')).toBeUndefined();
  });

  it('copies in and out, so writing into a read shard leaves the entry intact', async () => {
    const cache = memoryShardCache();
    const original = Uint8Array.from(bytes);
    await cache.put('a', original);
    original[0] = 99;
    const read = (await cache.get('a'))!;
    read[1] = 99;
    expect([...(await cache.get('a'))!]).toEqual([1, 2, 3, 4, 5]);
  });

  it('is what openShardCache gives where there is no Cache Storage (Node)', async () => {
    expect(typeof caches).toBe('undefined');
    const one = await openShardCache('x');
    const two = await openShardCache('x');
    await one.put('k', bytes);
    expect([...(await one.get('k'))!]).toEqual([1, 2, 3, 4, 5]);
    expect(await two.get('k')).toBeUndefined();
  });
});

describe('readVerified', () => {
  it('returns an entry that still hashes right and drops one that does not', async () => {
    const cache = memoryShardCache();
    const hash = await sha256Hex(bytes);
    await cache.put('good', bytes);
    await cache.put('bad', Uint8Array.from([1, 2, 3, 4, 6]));
    expect([...(await readVerified(cache, 'good', hash))!]).toEqual([1, 2, 3, 4, 5]);
    expect(await readVerified(cache, 'bad', hash)).toBeUndefined();
    expect(await cache.get('bad')).toBeUndefined();
    expect(await cache.get('good')).toBeDefined();
    expect(await readVerified(cache, 'absent', hash)).toBeUndefined();
  });
});
