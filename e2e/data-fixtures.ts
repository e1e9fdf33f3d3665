// Tiny datasets in the official formats, and shards made from them by the real `npm run data`,
// served by the fault-injecting server so the page and the command line stream them cross-origin.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@playwright/test';
import { zipSync } from 'fflate';
import { cifarBatch, gzip, writeTar } from '../src/engine/testing/data/file-fixtures';
import { startFaultServer, type FaultServer } from '../src/engine/testing/fault-server';

export const TRAIN_PER_FILE = 4;
export const TEST_RECORDS = 6;

/** cifar-10-binary.tar.gz with 5 x 4 training images and 6 test images. */
export async function tinyCifarArchive(): Promise<Uint8Array> {
  const batch = (records: number, seed: number) =>
    cifarBatch(
      Array.from({ length: records }, (_, r) => (r + seed) % 10),
      (r, i) => (r * 37 + i * (seed + 3)) & 0xff,
    );
  const entries = [1, 2, 3, 4, 5].map((n) => ({ name: `cifar-10-batches-bin/data_batch_${n}.bin`, data: batch(TRAIN_PER_FILE, n) }));
  entries.push({ name: 'cifar-10-batches-bin/test_batch.bin', data: batch(TEST_RECORDS, 7) });
  return gzip(writeTar(entries));
}

/** wikitext-2-v1.zip with three tiny splits. */
export function tinyWikitextZip(): Uint8Array {
  const text = (lines: string[]) => new TextEncoder().encode(lines.map((line) => `${line}\n`).join(''));
  return zipSync({
    'wikitext-2/wiki.train.tokens': text(['', ' = Valkyria Chronicles = ', '', ' the game was released in <unk> . ', ' the team began work . ']),
    'wikitext-2/wiki.valid.tokens': text(['', ' the game began . ']),
    'wikitext-2/wiki.test.tokens': text([' the robot was released . ']),
  });
}

/** Runs a command line tool the way a user does (without blocking this process's servers). */
export function runTool(args: string[], timeoutMs = 600_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Shards of the tiny archive (4 records each), written by `npm run data -- cifar10 --from`; returns the folder. */
export async function tinyCifarShards(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cifar-shards-'));
  const archive = join(dir, 'cifar-10-binary.tar.gz');
  writeFileSync(archive, await tinyCifarArchive());
  const out = join(dir, 'shards');
  const result = await runTool(['scripts/data.ts', 'cifar10', '--from', archive, '--out', out, '--shard-records', '4']);
  if (result.status !== 0) throw new Error(`npm run data failed:\n${result.stderr}${result.stdout}`);
  return out;
}

/** Puts every file of a folder on the server under `prefix/`; returns the manifest's URL. */
export function serveFolder(server: FaultServer, folder: string, prefix: string): string {
  for (const name of readdirSync(folder)) server.put(`${prefix}/${name}`, new Uint8Array(readFileSync(join(folder, name))));
  return `${server.url}/${prefix}/manifest.json`;
}

/** For a spec file: a fault server and the tiny archive's shards, made once before its tests. */
export function shardServerForSpec(): { server: () => FaultServer; shards: () => string } {
  let server: FaultServer | undefined;
  let shards: string | undefined;
  test.beforeAll(async () => {
    server = await startFaultServer();
    shards = await tinyCifarShards();
  });
  test.afterAll(() => server?.close());
  return { server: () => server!, shards: () => shards! };
}
