import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { decodeSafetensors, encodeSafetensors } from '../src/engine/checkpoint/safetensors';
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

/** The fixture's raw WikiText-2 written as GPT-1 BPE shards by `npm run data`; returns the folder and the shards. */
async function bpeShards(): Promise<{ dir: string; shards: string }> {
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

  return { dir, shards };
}

test('npm run data -- wikitext2 --tokenizer gpt1 writes BPE shards that npm run train trains gpt1-tiny on, reporting finite perplexity', async () => {
  const { dir, shards } = await bpeShards();
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

test("npm run train --embeddings puts a GPT-1-format file's tables into the model, and a frozen group keeps them through training", async () => {
  const { dir, shards } = await bpeShards();
  const { width, context } = { width: 128, context: 64 };
  const vocab = fixtureVocabTokens().length + 1;
  // A GPT-1-format file at gpt1-tiny's sizes: V − 1 token rows (the last, <unk>, stays zeros) and GPT-1's 512 positions.
  const rows = (count: number, offset: number) =>
    Float32Array.from({ length: count * width }, (_, i) => offset + Math.floor(i / width) / 100 + (i % width) / 1e5);
  const tokens = rows(vocab - 1, 1);
  const positions = rows(512, 2);
  const embeddings = join(dir, 'model.safetensors');
  writeFileSync(
    embeddings,
    encodeSafetensors({
      'tokens_embed.weight': { dtype: 'F32', shape: [vocab - 1, width], data: tokens },
      'positions_embed.weight': { dtype: 'F32', shape: [512, width], data: positions },
      'h.0.attn.c_attn.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) },
    }),
  );
  const config = join(dir, 'frozen.yaml');
  writeFileSync(
    config,
    CONFIG.replace('runs:', 'embeddings: { from: gpt1 }\nruns:') +
      '    param_groups:\n      - { params: ["tok_emb.weight", "pos_emb.weight"], frozen: true }\n',
  );
  const out = join(dir, 'frozen-run');
  const result = await runTool(['scripts/train.ts', '--config', config, '--data', shards, '--embeddings', embeddings, '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  const { tensors } = decodeSafetensors(readFileSync(join(out, 'final.safetensors')));
  const expectedTokens = new Float32Array(vocab * width);
  expectedTokens.set(tokens);
  expect(Array.from(tensors['tok_emb.weight'].data as Float32Array)).toEqual(Array.from(expectedTokens));
  expect(Array.from(tensors['pos_emb.weight'].data as Float32Array)).toEqual(Array.from(positions.subarray(0, context * width)));
  // The rest trained: the loss moved.
  const losses = readFileSync(join(out, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[2]));
  expect(losses).toHaveLength(3);
  expect(losses[2]).not.toBe(losses[0]);
  expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ steps: 3, state: 'finished' });
});
