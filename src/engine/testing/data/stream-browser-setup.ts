// Shared by the stream's browser tests: the fault server (another origin than the test page,
// so CORS applies), a fresh path prefix per test, and Cache Storage caches named per test and
// deleted afterwards. Prefixes rather than client.reset(), since test files share the server.

import { afterEach, expect, inject } from 'vitest';
import { openShardCache, type ShardCache } from '../../data/stream/shard-cache';
import { faultServerClient } from '../fault-server-client';

export const server = faultServerClient(inject('faultServerUrl'));

const run = `stream-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9)}`;

export function prefixFor(test: string): string {
  return `${run}/t-${test}/`;
}

const openedCaches: string[] = [];

/** A Cache Storage cache of its own, deleted after the test. */
export async function testCache(): Promise<{ name: string; cache: ShardCache }> {
  const name = `test-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9)}`;
  openedCaches.push(name);
  return { name, cache: await openShardCache(name) };
}

afterEach(async () => {
  for (const name of openedCaches.splice(0)) await caches.delete(name);
});

/** GETs of a path so far, waiting up to `ms` for it to reach `atLeast` (a request in flight is not counted until it arrives). */
export async function requestCountReaching(path: string, atLeast: number, ms = 3000): Promise<number> {
  const deadline = Date.now() + ms;
  let count = await server.requestCount(path);
  while (count < atLeast && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    count = await server.requestCount(path);
  }
  return count;
}

export function expectBytes(actual: Uint8Array, expected: Uint8Array | undefined): void {
  expect(expected, 'fixture file').toBeDefined();
  expect(actual.length).toBe(expected!.length);
  const firstDifference = actual.findIndex((byte, i) => byte !== expected![i]);
  expect(firstDifference, 'first differing byte').toBe(-1);
}
