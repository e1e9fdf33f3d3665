import { describe, expect, it } from 'vitest';
import { testCache } from '../../testing/data/stream-browser-setup';
import { openShardCache, shardCacheKey } from './shard-cache';

describe('openShardCache in a page', () => {
  it('keeps entries in Cache Storage, where a second opening finds them', async () => {
    const { name, cache } = await testCache();
    expect(await caches.has(name)).toBe(true);
    await cache.put('https://h.example/d/train-00000.bin#sha256=aa', Uint8Array.from([1, 2, 3]));
    const again = await openShardCache(name);
    expect([...(await again.get('https://h.example/d/train-00000.bin#sha256=aa'))!]).toEqual([1, 2, 3]);
  });

  it('keeps two versions of a shard apart although Cache Storage ignores URL fragments', async () => {
    const { cache } = await testCache();
    const old = shardCacheKey('https://h.example/d/train-00000.bin', '0'.repeat(64));
    const current = shardCacheKey('https://h.example/d/train-00000.bin', '1'.repeat(64));
    await cache.put(old, Uint8Array.from([1]));
    await cache.put(current, Uint8Array.from([2]));
    expect([...(await cache.get(old))!]).toEqual([1]);
    expect([...(await cache.get(current))!]).toEqual([2]);
    expect(await cache.get(shardCacheKey('https://h.example/d/train-00000.bin', '2'.repeat(64)))).toBeUndefined();
  });

  it('deletes one entry, or all of them', async () => {
    const { cache } = await testCache();
    await cache.put('a', Uint8Array.from([1]));
    await cache.put('b', Uint8Array.from([2]));
    await cache.put('c', Uint8Array.from([3]));
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
    expect([...(await cache.get('b'))!]).toEqual([2]);
    await cache.clear();
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
  });
});
