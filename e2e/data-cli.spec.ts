import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '../src/engine/data/manifest';
import { epochShardOrder, epochWindows } from '../src/engine/data/stream/shard-stream';
import { runTool, serveFolder, tinyWikitextZip, shardServerForSpec } from './data-fixtures';

const fixture = shardServerForSpec();

const quickAdam = ['scripts/train.ts', '--config', 'configs/cnn-small-adam.yaml', '--batch', '4'];

test('npm run data writes shards that npm run train streams', async () => {
  const manifest = parseManifest(readFileSync(join(fixture.shards(), 'manifest.json'), 'utf8'), 'manifest.json');
  expect(manifest.kind).toBe('images');
  expect(manifest.splits.train).toMatchObject({ records: 20 });
  expect(manifest.splits.train.shards).toHaveLength(5);
  const out = mkdtempSync(join(tmpdir(), 'train-shards-'));
  const result = await runTool([...quickAdam, '--steps', '3', '--out', out, '--data', fixture.shards()]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/\[adam\] step 3\/3/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ steps: 3, state: 'finished' });
  expect(typeof summary.test_accuracy).toBe('number');
});

test('npm run train refuses a malformed manifest on a remote host, and stops on a shard that fails mid-run keeping what it recorded', async () => {
  fixture.server().put('broken/manifest.json', new TextEncoder().encode('{"format": "adafisher-playground-shards", "version": 1, "kind": "images"}'));
  const malformed = await runTool([
    ...quickAdam,
    '--steps',
    '3',
    '--out',
    mkdtempSync(join(tmpdir(), 'bad-')),
    '--data',
    `${fixture.server().url}/broken/manifest.json`,
  ]);
  expect(malformed.status).toBe(1);
  expect(malformed.stderr).toContain('is malformed');
  expect(malformed.stderr).toContain('npm run data');

  serveFolder(fixture.server(), fixture.shards(), 'cli-fault');
  const failing = epochWindows(epochShardOrder(5, 0, 0, true), 2)[1].map((shard) => `cli-fault/train-${String(shard).padStart(5, '0')}.bin`);
  for (const path of failing) fixture.server().setFault(path, 'truncate');
  const out = mkdtempSync(join(tmpdir(), 'cut-'));
  const result = await runTool([...quickAdam, '--steps', '4', '--out', out, '--data', `${fixture.server().url}/cli-fault/manifest.json`]);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('training stopped');
  expect(result.stderr).toMatch(/cut short|truncated/i);
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  expect(csv.length).toBeGreaterThan(1);
  expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ steps: 2, state: 'stopped' });
});

test('npm run data prepares WikiText-2 from its zip, and refuses an archive that is not one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wikitext-'));
  const zip = join(dir, 'wikitext-2-v1.zip');
  writeFileSync(zip, tinyWikitextZip());
  const result = await runTool(['scripts/data.ts', 'wikitext2', '--from', zip, '--out', join(dir, 'out')]);
  expect(result.status, result.stderr).toBe(0);
  const manifest = parseManifest(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'), 'manifest.json');
  expect(manifest).toMatchObject({ kind: 'tokens', dtype: 'uint16', vocabulary: { size: 14 } });
  expect(
    readFileSync(join(dir, 'out', 'vocab.txt'), 'utf8')
      .split('\n')
      .slice(0, 4),
  ).toEqual(['<eos>', '=', 'Valkyria', 'Chronicles']);

  const fake = join(dir, 'cifar-10-binary.tar.gz');
  writeFileSync(fake, '<html>Service unavailable</html>');
  const refused = await runTool(['scripts/data.ts', 'cifar10', '--from', fake, '--out', join(dir, 'cifar')]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/not a gzip|HTML/i);
  expect(existsSync(join(dir, 'cifar', 'manifest.json'))).toBe(false);
});
