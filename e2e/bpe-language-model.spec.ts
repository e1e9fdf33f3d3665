import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { parseManifest } from '../src/engine/data/manifest';
import { fixtureVocabTokens, mergesText, vocabJson } from '../src/engine/testing/data/gpt1-bpe-fixtures';
import { runTool } from './data-fixtures';

/** wikitext-2-raw-v1.zip whose training split holds a few windows of gpt1-tiny's context (64) in the fixture tokenizer's ids. */
function rawWikitextZip(): Uint8Array {
  const text = (lines: string[]) => new TextEncoder().encode(lines.map((line) => `${line}\n`).join(''));
  const article = [' = The Lower Cat = ', '', ' The lower cat was the newest cat in 1999 , and the cat @-@ lover was new . ', ''];
  return zipSync({
    'wikitext-2-raw/wiki.train.raw': text(Array.from({ length: 12 }, () => article).flat()),
    'wikitext-2-raw/wiki.valid.raw': text(['', ' The newest cat was lower . ', ' The cat was new in 1999 . ']),
    'wikitext-2-raw/wiki.test.raw': text(['', ' The cat was the lowest cat . ']),
  });
}

const CONFIG = `task: language-modeling
model: gpt1-tiny
batch_size: 2
steps: 3
seed: 0
log_every: 1
data:
  source: wikitext2
  from: shards
runs:
  - name: adamw
    optimizer: { type: adamw, lr: 1.0e-3, weight_decay: 0.1 }
    schedule: { type: constant }
`;

test('npm run data -- wikitext2 --tokenizer gpt1 writes BPE shards that npm run train trains gpt1-tiny on, reporting finite perplexity', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpe-lm-'));
  writeFileSync(join(dir, 'wikitext-2-raw-v1.zip'), rawWikitextZip());
  writeFileSync(join(dir, 'vocab.json'), vocabJson(fixtureVocabTokens()));
  writeFileSync(join(dir, 'merges.txt'), mergesText());
  const shards = join(dir, 'shards');
  const data = await runTool([
    'scripts/data.ts',
    'wikitext2',
    '--tokenizer',
    'gpt1',
    '--vocab',
    join(dir, 'vocab.json'),
    '--merges',
    join(dir, 'merges.txt'),
    '--from',
    join(dir, 'wikitext-2-raw-v1.zip'),
    '--out',
    shards,
  ]);
  expect(data.status, data.stderr + data.stdout).toBe(0);
  const manifest = parseManifest(readFileSync(join(shards, 'manifest.json'), 'utf8'), 'manifest.json');
  expect(manifest).toMatchObject({ kind: 'tokens', tokenizer: 'gpt1-bpe', vocabulary: { size: fixtureVocabTokens().length + 1 } });
  // Enough for two full windows of 65 ids, one batch of gpt1-tiny at batch 2.
  expect(manifest.splits.train.records).toBeGreaterThan(2 * 64 + 1);

  const config = join(dir, 'gpt1-tiny-bpe.yaml');
  writeFileSync(config, CONFIG);
  const out = join(dir, 'run');
  const result = await runTool(['scripts/train.ts', '--config', config, '--data', shards, '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  // Three batches an epoch: the run ends with an epoch, whose evaluation reads only the
  // validation split, so the test split must still be read at the end.
  expect(result.stdout).toContain('gpt1-tiny for 3 steps (3 per epoch)');
  expect(result.stdout).toMatch(/validation perplexity \d+\.\d+\s+test perplexity \d+\.\d+/);
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  const header = csv[0].split(',');
  expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['1', '2', '3']);
  const last = csv.at(-1)!.split(',');
  const valPerplexity = Number(last[header.indexOf('val_perplexity')]);
  expect(Number.isFinite(valPerplexity), csv.join('\n')).toBe(true);
  expect(valPerplexity).toBeGreaterThan(1);
  expect(valPerplexity).toBeCloseTo(Math.exp(Number(last[header.indexOf('val_loss')])), 2);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ steps: 3, state: 'finished', optimizer: 'adamw' });
  expect(Number.isFinite(summary.test_perplexity)).toBe(true);
  expect(summary.test_perplexity).toBeCloseTo(Math.exp(summary.test_loss), 2);
});
