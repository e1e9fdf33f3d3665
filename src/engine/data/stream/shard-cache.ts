// Where verified shards are kept between runs: Cache Storage when the context has it (pages
// and workers on https or localhost), else memory. Keys name the content (URL + SHA-256), so
// a shard rewritten on the server gets a new key instead of a stale hit.

import { sha256Hex } from './fetch-bytes';

export const DEFAULT_SHARD_CACHE_NAME = 'playground-shards-v1';

export interface ShardCache {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Only bytes whose SHA-256 matched the manifest are put. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
}

export function shardCacheKey(url: string, sha256: string): string {
  return `${url}#sha256=${sha256}`;
}

/**
 * Cache Storage matches requests with the URL fragment removed, so "#sha256=..." alone would
 * not tell two versions of a shard apart; the whole key goes into the path of a URL that is
 * never fetched (.invalid is reserved and never resolves).
 */
function cacheRequestUrl(key: string): string {
  return `https://shard-cache.invalid/${encodeURIComponent(key)}`;
}

/** Cache Storage under `name`, or memory when `caches` is missing or refuses to open (insecure context, private mode). */
export async function openShardCache(name = DEFAULT_SHARD_CACHE_NAME): Promise<ShardCache> {
  if (typeof caches === 'undefined') return memoryShardCache();
  let cache: Cache;
  try {
    cache = await caches.open(name);
  } catch {
    return memoryShardCache();
  }
  return {
    async get(key) {
      const response = await cache.match(cacheRequestUrl(key));
      return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
    },
    async put(key, bytes) {
      const body = new Uint8Array(bytes);
      await cache.put(
        cacheRequestUrl(key),
        new Response(body, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) } }),
      );
    },
    async delete(key) {
      await cache.delete(cacheRequestUrl(key));
    },
    async clear() {
      for (const request of await cache.keys()) await cache.delete(request);
    },
  };
}

/** Copies on the way in and out, so a consumer that shuffles records in place cannot spoil the entry. */
export function memoryShardCache(): ShardCache {
  const entries = new Map<string, Uint8Array>();
  return {
    get: async (key) => {
      const bytes = entries.get(key);
      return bytes && new Uint8Array(bytes);
    },
    put: async (key, bytes) => {
      entries.set(key, new Uint8Array(bytes));
    },
    delete: async (key) => {
      entries.delete(key);
    },
    clear: async () => {
      entries.clear();
    },
  };
}

/**
 * The cached bytes if they still hash to `sha256`; an entry that no longer matches (disk
 * damage, a consumer that wrote into it) is dropped. Hashing is cheap next to a download.
 */
export async function readVerified(cache: ShardCache, key: string, sha256: string): Promise<Uint8Array | undefined> {
  const bytes = await cache.get(key);
  if (!bytes) return undefined;
  if ((await sha256Hex(bytes)) === sha256) return bytes;
  await cache.delete(key);
  return undefined;
}
