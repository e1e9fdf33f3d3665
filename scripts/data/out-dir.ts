// The output folder's files, written so that a run stopped at any point leaves either the old
// file or the new one under each name (write <name>.tmp, then rename), never half of one, and
// a rerun leaves identical files alone.

import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type SplitEntry } from '../../src/engine/data/manifest';

export const TMP_SUFFIX = '.tmp';
/** The shards this command writes; only these (and *.tmp) are ever removed as stale. */
const SHARD_FILE = /^(train|validation|test)-\d{5,}\.bin$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function shardFileName(split: string, index: number): string {
  return `${split}-${String(index).padStart(5, '0')}.bin`;
}

/** Which files a run wrote and which it found already in place. */
export interface WriteStats {
  written: string[];
  unchanged: string[];
}

export function emptyWriteStats(): WriteStats {
  return { written: [], unchanged: [] };
}

export async function writeFileAtomically(dir: string, name: string, bytes: Uint8Array | string): Promise<void> {
  const path = join(dir, name);
  await writeFile(path + TMP_SUFFIX, bytes);
  await rename(path + TMP_SUFFIX, path);
}

async function sha256OfFile(path: string, expectedSize: number): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size !== expectedSize) return undefined;
    return sha256Hex(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes the file unless one with the same SHA-256 is already there; returns the SHA-256. */
export async function writeFileIfChanged(dir: string, name: string, bytes: Uint8Array, stats: WriteStats): Promise<string> {
  const sha256 = sha256Hex(bytes);
  if ((await sha256OfFile(join(dir, name), bytes.length)) === sha256) {
    stats.unchanged.push(name);
  } else {
    await writeFileAtomically(dir, name, bytes);
    stats.written.push(name);
  }
  return sha256;
}

/** Cuts a split's record stream into shards of shardRecords records (the last one shorter) and writes them. */
export async function writeShards(
  dir: string,
  split: string,
  stream: Uint8Array,
  recordBytes: number,
  shardRecords: number,
  stats: WriteStats,
): Promise<SplitEntry> {
  const records = stream.length / recordBytes;
  const shards: SplitEntry['shards'] = [];
  for (let index = 0, first = 0; first < records; index++, first += shardRecords) {
    const count = Math.min(shardRecords, records - first);
    const bytes = stream.subarray(first * recordBytes, (first + count) * recordBytes);
    const file = shardFileName(split, index);
    shards.push({ file, records: count, bytes: bytes.length, sha256: await writeFileIfChanged(dir, file, bytes, stats) });
  }
  return { records, shards };
}

/** Removes the manifest first thing, so a run that stops before the end leaves none claiming the folder is complete. */
export async function removeManifest(dir: string): Promise<void> {
  await rm(join(dir, MANIFEST_FILE), { force: true });
  await rm(join(dir, MANIFEST_FILE + TMP_SUFFIX), { force: true });
}

/** Removes shards not in keep and every *.tmp left by an interrupted run; returns their names. */
export async function removeStaleFiles(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const stale = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && !keep.has(entry.name) && (SHARD_FILE.test(entry.name) || entry.name.endsWith(TMP_SUFFIX)))
    .map((entry) => entry.name)
    .sort();
  for (const name of stale) await rm(join(dir, name), { force: true });
  return stale;
}
