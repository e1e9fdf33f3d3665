import { describe, expect, it } from 'vitest';
import { prefixFor, requestCountReaching, server, testCache } from '../../testing/data/stream-browser-setup';
import { ShardReader } from './shard-reader';
import { epochShardOrder, ShardStream } from './shard-stream';
import { imageFixture, imageRecordId, uploadFixture } from '../../testing/data/shard-fixtures';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ShardStream against a cross-origin host', () => {
  it('streams every training record once per epoch and fetches the next window before it is asked for', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('stream');
    const reader = await ShardReader.open(await uploadFixture(server, prefix, fixture));
    const stream = new ShardStream(reader, 'train', { seed: 3 });
    const file = (shard: number) => `${prefix}${fixture.manifest.splits.train.shards[shard].file}`;
    const gets = () => Promise.all(range(3).map((shard) => server.requestCount(file(shard))));

    const first = await stream.next();
    const order = epochShardOrder(3, 3, 0);
    expect(first.shards).toEqual(order.slice(0, 2));
    // The second window (the last shard of the order) is requested before next() is called again.
    expect(await requestCountReaching(file(order[2]), 1)).toBe(1);
    expect(await gets()).toEqual([1, 1, 1]);

    for (let epoch = 0; epoch < 2; epoch++) {
      const windows = epoch === 0 ? [first, await stream.next()] : [await stream.next(), await stream.next()];
      expect(windows.map((w) => [w.epoch, w.firstInEpoch, w.records])).toEqual([
        [epoch, true, 8],
        [epoch, false, 4],
      ]);
      expect(windows.flatMap((w) => w.shards)).toEqual(epochShardOrder(3, 3, epoch));
      const ids = windows.flatMap((w) => range(w.records).map((record) => imageRecordId(w.bytes, record)));
      expect(ids.sort((a, b) => a - b)).toEqual(range(12));
    }
  });

  it('reads later epochs from the cache, and throws a failed window from next() until it succeeds', async () => {
    const fixture = await imageFixture();
    const prefix = prefixFor('stream-cache');
    const { cache } = await testCache();
    const reader = await ShardReader.open(await uploadFixture(server, prefix, fixture), { cache });
    const stream = new ShardStream(reader, 'train', { seed: 8, shuffle: false, windowShards: 1 });
    for (let window = 0; window < 3; window++) expect((await stream.next()).shards).toEqual([window]);
    // The prefetch of epoch 1's first window came from the cache: one GET per shard in all.
    expect(await Promise.all(range(3).map((shard) => server.requestCount(`${prefix}train-0000${shard}.bin`)))).toEqual([1, 1, 1]);

    await cache.clear();
    await server.setFault(`${prefix}train-00001.bin`, '500');
    expect((await stream.next()).shards).toEqual([0]);
    await expect(stream.next()).rejects.toMatchObject({ kind: 'http', message: expect.stringContaining('tiny-cifar train shard 2 of 3') });
    await server.setFault(`${prefix}train-00001.bin`, 'none');
    const retried = await stream.next();
    expect([retried.epoch, retried.shards[0], imageRecordId(retried.bytes, 0)]).toEqual([1, 1, 4]);
  });
});
