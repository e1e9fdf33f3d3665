import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyWriteStats, removeManifest, removeStaleFiles, shardFileName, writeFileIfChanged, writeShards } from './out-dir';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'out-dir-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('writeShards', () => {
  it('cuts the stream into shards of whole records, the last one shorter', async () => {
    const stream = Uint8Array.from({ length: 3 * 7 }, (_, i) => i);
    const stats = emptyWriteStats();
    const split = await writeShards(dir, 'validation', stream, 3, 3, stats);
    expect(split).toEqual({
      records: 7,
      shards: [
        { file: 'validation-00000.bin', records: 3, bytes: 9, sha256: sha(stream.subarray(0, 9)) },
        { file: 'validation-00001.bin', records: 3, bytes: 9, sha256: sha(stream.subarray(9, 18)) },
        { file: 'validation-00002.bin', records: 1, bytes: 3, sha256: sha(stream.subarray(18)) },
      ],
    });
    expect([...(await readFile(join(dir, 'validation-00002.bin')))]).toEqual([18, 19, 20]);
    expect(stats.written).toEqual(['validation-00000.bin', 'validation-00001.bin', 'validation-00002.bin']);
    expect(shardFileName('train', 123_456)).toBe('train-123456.bin');
  });
});

describe('writeFileIfChanged', () => {
  it('leaves a file with the same bytes alone and replaces one that differs, through a .tmp', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    await writeFile(join(dir, 'same.bin'), new Uint8Array([1, 2, 3]));
    await writeFile(join(dir, 'other.bin'), new Uint8Array([1, 2, 4]));
    await utimes(join(dir, 'same.bin'), old, old);
    const stats = emptyWriteStats();
    await writeFileIfChanged(dir, 'same.bin', new Uint8Array([1, 2, 3]), stats);
    await writeFileIfChanged(dir, 'other.bin', new Uint8Array([1, 2, 3]), stats);
    await writeFileIfChanged(dir, 'new.bin', new Uint8Array([9]), stats);
    expect(stats).toEqual({ written: ['other.bin', 'new.bin'], unchanged: ['same.bin'] });
    expect((await stat(join(dir, 'same.bin'))).mtimeMs).toBe(old.getTime());
    expect([...(await readFile(join(dir, 'other.bin')))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).sort()).toEqual(['new.bin', 'other.bin', 'same.bin']);
  });
});

describe('removeStaleFiles and removeManifest', () => {
  it('removes unlisted shards and every .tmp, and nothing else', async () => {
    for (const name of [
      'train-00000.bin',
      'train-00001.bin',
      'test-00003.bin',
      'validation-00000.bin',
      'a.tmp',
      'train-00000.bin.tmp',
      'README.md',
      'train-1.bin',
      'vocab.txt',
    ]) {
      await writeFile(join(dir, name), 'x');
    }
    const removed = await removeStaleFiles(dir, new Set(['train-00000.bin', 'vocab.txt']));
    expect(removed).toEqual(['a.tmp', 'test-00003.bin', 'train-00000.bin.tmp', 'train-00001.bin', 'validation-00000.bin']);
    expect((await readdir(dir)).sort()).toEqual(['README.md', 'train-00000.bin', 'train-1.bin', 'vocab.txt']);
  });

  it('removes the manifest and its .tmp, and is fine when there is none', async () => {
    await writeFile(join(dir, 'manifest.json'), '{}');
    await writeFile(join(dir, 'manifest.json.tmp'), '{');
    await removeManifest(dir);
    await removeManifest(dir);
    expect(await readdir(dir)).toEqual([]);
  });
});
