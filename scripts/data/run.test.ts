import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest, type Gpt1BpeManifest, type ImageManifest, type TokenManifest } from '../../src/engine/data/manifest';
import { cifarBatch, concat, gzip, writeTar } from '../../src/engine/testing/data/file-fixtures';
import { startFaultServer, type FaultServer } from '../../src/engine/testing/fault-server';
import { FIXTURE_MERGES, fixtureVocabTokens, mergesText, vocabJson } from '../../src/engine/testing/data/gpt1-bpe-fixtures';
import { runDataCommand, servedPath } from './run';

const CREATED = new Date('2024-05-06T07:08:09.000Z');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'data-command-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDataCommand(argv, {
    stdout: { write: (text: string) => out.push(text), isTTY: false },
    stderr: { write: (text: string) => err.push(text) },
    now: () => CREATED,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const readManifest = async (folder: string) => parseManifest(await readFile(join(folder, 'manifest.json'), 'utf8'), 'manifest.json');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

// CIFAR-10 in miniature: five training batches of 7 records and a test batch of 5, each file
// with its own labels and pixels so that order mistakes show.
const TRAIN_BATCHES = [0, 1, 2, 3, 4].map((file) =>
  cifarBatch(
    Array.from({ length: 7 }, (_, record) => (record * 3 + file) % 10),
    (record, i) => (file * 53 + record * 31 + i * 7 + ((i * i) >> 9)) % 256,
  ),
);
const TEST_BATCH = cifarBatch([9, 8, 7, 6, 5], (record, i) => (record * 11 + i * 3) % 256);

async function cifarArchive(): Promise<Uint8Array> {
  const entries = TRAIN_BATCHES.map((data, i) => ({ name: `data_batch_${i + 1}.bin`, prefix: 'cifar-10-batches-bin', data }));
  entries.push({ name: 'test_batch.bin', prefix: 'cifar-10-batches-bin', data: TEST_BATCH });
  entries.push({ name: 'batches.meta.txt', prefix: 'cifar-10-batches-bin', data: strToU8('airplane\n') });
  return gzip(writeTar(entries));
}

/** Mean and population std per channel of the training pixels over [0, 1], the slow way. */
function handStatistics(): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let channel = 0; channel < 3; channel++) {
    const values: number[] = [];
    for (const batch of TRAIN_BATCHES) {
      for (let record = 0; record < 7; record++) {
        for (let p = 0; p < 1024; p++) values.push(batch[record * 3073 + 1 + channel * 1024 + p] / 255);
      }
    }
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    mean.push(m);
    std.push(Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length));
  }
  return { mean, std };
}

async function shardBytes(folder: string, manifest: { splits: Record<string, { shards: { file: string }[] }> }, split: string): Promise<Uint8Array> {
  return concat(await Promise.all(manifest.splits[split].shards.map((shard) => readFile(join(folder, shard.file)))));
}

describe('npm run data -- cifar10', () => {
  it('writes shards of the official records, in order, with hashes, statistics and a valid manifest', async () => {
    const archivePath = join(dir, 'cifar-10-binary.tar.gz');
    await writeFile(archivePath, await cifarArchive());
    const out = join(dir, 'out');
    const result = await run(['cifar10', '--from', archivePath, '--out', out, '--shard-records', '4']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const manifest = (await readManifest(out)) as ImageManifest;
    expect(manifest.kind).toBe('images');
    expect(manifest.classes).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(manifest.record).toEqual({ layout: 'cifar10-binary', bytes: 3073 });
    expect(manifest.splits.train.records).toBe(35);
    expect(manifest.splits.train.shards.map((shard) => [shard.file, shard.records])).toEqual([
      ['train-00000.bin', 4],
      ['train-00001.bin', 4],
      ['train-00002.bin', 4],
      ['train-00003.bin', 4],
      ['train-00004.bin', 4],
      ['train-00005.bin', 4],
      ['train-00006.bin', 4],
      ['train-00007.bin', 4],
      ['train-00008.bin', 3],
    ]);
    expect(manifest.splits.test.shards.map((shard) => [shard.file, shard.records, shard.bytes])).toEqual([
      ['test-00000.bin', 4, 4 * 3073],
      ['test-00001.bin', 1, 3073],
    ]);
    expect(await shardBytes(out, manifest, 'train')).toEqual(new Uint8Array(concat(TRAIN_BATCHES)));
    expect(await shardBytes(out, manifest, 'test')).toEqual(new Uint8Array(TEST_BATCH));
    for (const shard of [...manifest.splits.train.shards, ...manifest.splits.test.shards]) {
      expect(shard.sha256).toBe(sha256(await readFile(join(out, shard.file))));
    }
    const expected = handStatistics();
    manifest.mean.forEach((value, channel) => expect(value).toBeCloseTo(expected.mean[channel], 12));
    manifest.std.forEach((value, channel) => expect(value).toBeCloseTo(expected.std[channel], 12));
    // Not the official archive, so no md5 is claimed for it.
    expect(manifest.source).toEqual({ origin: 'cifar-10-binary.tar.gz', created: '2024-05-06T07:08:09.000Z' });
    expect(result.stdout).toContain('note: cifar-10-binary.tar.gz has MD5');
    expect(result.stdout).toMatch(/train\s+35 images in 9 shards/);
    expect(result.stdout).toMatch(/test\s+5 images in 2 shards/);
    expect(result.stdout).toContain('11 written, 0 already up to date, 0 stale removed');
    expect(result.stdout).toContain(`Next: ${out} is outside public/`);
    expect((await readdir(out)).sort()).toEqual(
      [...manifest.splits.test.shards.map((s) => s.file), 'manifest.json', ...manifest.splits.train.shards.map((s) => s.file)].sort(),
    );
  });

  it('reads a folder of loose batch files, and records the md5 given with --md5', async () => {
    const folder = join(dir, 'cifar-10-batches-bin');
    await mkdir(folder);
    for (const [i, batch] of TRAIN_BATCHES.entries()) await writeFile(join(folder, `data_batch_${i + 1}.bin`), batch);
    await writeFile(join(folder, 'test_batch.bin'), TEST_BATCH);
    const out = join(dir, 'out');
    expect((await run(['cifar10', '--from', folder, '--out', out])).code).toBe(0);
    const manifest = (await readManifest(out)) as ImageManifest;
    expect(manifest.splits.train.shards).toHaveLength(1);
    expect(await shardBytes(out, manifest, 'train')).toEqual(new Uint8Array(concat(TRAIN_BATCHES)));
    expect(manifest.source?.origin).toBe('cifar-10-batches-bin');

    const archive = await cifarArchive();
    await writeFile(join(dir, 'c.tar.gz'), archive);
    expect((await run(['cifar10', '--from', join(dir, 'c.tar.gz'), '--out', out, '--md5', md5(archive)])).code).toBe(0);
    expect((await readManifest(out)).source).toEqual({ origin: 'c.tar.gz', md5: md5(archive), created: '2024-05-06T07:08:09.000Z' });
    const wrong = await run(['cifar10', '--from', join(dir, 'c.tar.gz'), '--out', out, '--md5', '0'.repeat(32)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`c.tar.gz has MD5 ${md5(archive)}, but --md5 says ${'0'.repeat(32)}`);
  });

  it('rewrites nothing when run again, gives the same manifest, and removes stale shards after a resharding', async () => {
    const archivePath = join(dir, 'cifar-10-binary.tar.gz');
    await writeFile(archivePath, await cifarArchive());
    const out = join(dir, 'out');
    const argv = ['cifar10', '--from', archivePath, '--out', out, '--shard-records', '4'];
    expect((await run(argv)).code).toBe(0);
    const first = await readFile(join(out, 'manifest.json'), 'utf8');
    const old = new Date('2001-02-03T04:05:06Z');
    const shards = (await readdir(out)).filter((name) => name.endsWith('.bin'));
    for (const name of shards) await utimes(join(out, name), old, old);

    const again = await run(argv);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 written, 11 already up to date, 0 stale removed');
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(first);
    for (const name of shards) expect((await stat(join(out, name))).mtimeMs).toBe(old.getTime());

    await writeFile(join(out, 'cifar-10-binary.tar.gz.tmp'), 'left by a killed download');
    await writeFile(join(out, 'notes.txt'), 'mine');
    const resharded = await run(['cifar10', '--from', archivePath, '--out', out, '--shard-records', '10']);
    expect(resharded.code).toBe(0);
    const manifest = (await readManifest(out)) as ImageManifest;
    expect(manifest.splits.train.shards.map((shard) => shard.records)).toEqual([10, 10, 10, 5]);
    expect((await readdir(out)).sort()).toEqual([
      'manifest.json',
      'notes.txt',
      'test-00000.bin',
      'train-00000.bin',
      'train-00001.bin',
      'train-00002.bin',
      'train-00003.bin',
    ]);
    expect(resharded.stdout).toContain('5 written, 0 already up to date, 7 stale removed');
    expect(await shardBytes(out, manifest, 'train')).toEqual(new Uint8Array(concat(TRAIN_BATCHES)));
  });

  it.each([
    [
      'an HTML page',
      strToU8('<!DOCTYPE html><title>Moved</title>'),
      /error: page\.tar\.gz is not a gzip file: it is an HTML or XML page .*CIFAR-10 comes as cifar-10-binary\.tar\.gz/,
    ],
    [
      'an uncompressed tar',
      writeTar([{ name: 'data_batch_1.bin', data: TEST_BATCH }]),
      /error: page\.tar\.gz is not a gzip file: it is a tar archive that is not compressed/,
    ],
    ['a gzip without a tar inside', null, /error: page\.tar\.gz does not contain a tar archive/],
    ['a zip', zipSync({ a: strToU8('a') }), /error: page\.tar\.gz is not a gzip file: it is a zip file/],
  ])('refuses %s given as the archive', async (_, content, message) => {
    const path = join(dir, 'page.tar.gz');
    await writeFile(path, content ?? (await gzip(strToU8('just some text, longer than nothing'))));
    const result = await run(['cifar10', '--from', path, '--out', join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await exists(join(dir, 'out', 'manifest.json'))).toBe(false);
  });

  it('names a --from path that does not exist', async () => {
    const result = await run(['cifar10', '--from', join(dir, 'nope.tar.gz'), '--out', join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: --from ${join(dir, 'nope.tar.gz')}: there is no such file or folder. Check the path, or leave --from out to download the dataset.\n`,
    );
  });
});

describe('npm run data with a download', () => {
  let server: FaultServer;
  let archive: Uint8Array;
  beforeAll(async () => {
    server = await startFaultServer();
    archive = await cifarArchive();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    server.put('cifar-10-binary.tar.gz', archive);
  });

  it('downloads with progress, checks the md5 and records the URL', async () => {
    const url = `${server.url}/cifar-10-binary.tar.gz`;
    const out = join(dir, 'out');
    const result = await run(['cifar10', '--url', url, '--md5', md5(archive), '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Downloading ${url}\n`);
    expect(result.stdout).toMatch(/cifar-10-binary\.tar\.gz: [\d.]+ kB of [\d.]+ kB \(100%\), [\d.]+ MB\/s\n/);
    expect((await readManifest(out)).source).toEqual({ origin: url, md5: md5(archive), created: '2024-05-06T07:08:09.000Z' });
    expect(await readdir(out)).not.toContain('cifar-10-binary.tar.gz.tmp');
  });

  it('leaves no manifest, not even the previous one, when the download is interrupted', async () => {
    const url = `${server.url}/cifar-10-binary.tar.gz`;
    const out = join(dir, 'out');
    const argv = ['cifar10', '--url', url, '--md5', md5(archive), '--out', out];
    expect((await run(argv)).code).toBe(0);
    expect(await exists(join(out, 'manifest.json'))).toBe(true);

    server.setFault('cifar-10-binary.tar.gz', 'truncate');
    const result = await run(argv);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: The download of http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz was interrupted after .*, so the file is truncated\. No manifest was written; run `npm run data -- cifar10 --url http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz --md5 [0-9a-f]{32} --out .*` again\.\n$/,
    );
    expect(await exists(join(out, 'manifest.json'))).toBe(false);
    expect((await readdir(out)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a download whose md5 is not the published one', async () => {
    const out = join(dir, 'out');
    const result = await run(['cifar10', '--url', `${server.url}/cifar-10-binary.tar.gz`, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `has MD5 ${md5(archive)}, but the expected MD5 is c32a1d4ab5d03f1284b67883e8d87530: the download is damaged or is not the official file. Delete ${join(out, 'cifar-10-binary.tar.gz.tmp')} and run`,
    );
    expect(await exists(join(out, 'manifest.json'))).toBe(false);
  });

  it('reports an HTTP error', async () => {
    const result = await run(['wikitext2', '--url', `${server.url}/wikitext-2-v1.zip`, '--out', join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: http:\/\/127\.0\.0\.1:\d+\/wikitext-2-v1\.zip answered HTTP 404/);
  });
});

// WikiText-2 in miniature, spaced the way the real files are.
const WIKI_TRAIN = ' \n = Robert Boulter = \n \n Robert Boulter is an English actor . \n He had a <unk> role . \n';
const WIKI_VALID = ' = Homarus = \n Robert is a lobster . \n';
const WIKI_TEST = ' He is English . \n';

function wordsOf(text: string, vocabulary: Set<string>): string[] {
  return text
    .split('\n')
    .slice(0, -1)
    .flatMap((line) => [
      ...line
        .split(' ')
        .filter(Boolean)
        .map((word) => (vocabulary.has(word) ? word : '<unk>')),
      '<eos>',
    ]);
}

async function checkWikitext(out: string) {
  const manifest = (await readManifest(out)) as TokenManifest;
  const vocabText = await readFile(join(out, 'vocab.txt'), 'utf8');
  const tokens = vocabText.split('\n').slice(0, -1);
  expect(tokens).toEqual(['<eos>', '=', 'Robert', 'Boulter', 'is', 'an', 'English', 'actor', '.', 'He', 'had', 'a', '<unk>', 'role']);
  expect(manifest.dtype).toBe('uint16');
  expect(manifest.vocabulary).toEqual({ file: 'vocab.txt', size: 14, bytes: vocabText.length, sha256: sha256(strToU8(vocabText)), unk: '<unk>', eos: '<eos>' });
  const vocabulary = new Set(tokens);
  for (const [split, text] of [
    ['train', WIKI_TRAIN],
    ['validation', WIKI_VALID],
    ['test', WIKI_TEST],
  ] as const) {
    const bytes = await shardBytes(out, manifest, split);
    const ids = Array.from({ length: bytes.length / 2 }, (_, i) => bytes[2 * i] | (bytes[2 * i + 1] << 8));
    expect(ids.map((id) => tokens[id])).toEqual(wordsOf(text, vocabulary));
    expect(manifest.splits[split].records).toBe(ids.length);
  }
  return manifest;
}

describe('npm run data -- wikitext2', () => {
  const files = { 'wiki.train.tokens': strToU8(WIKI_TRAIN), 'wiki.valid.tokens': strToU8(WIKI_VALID), 'wiki.test.tokens': strToU8(WIKI_TEST) };

  it('tokenizes the zip: vocab.txt, uint16 ids that decode back to the words with <unk> and <eos>', async () => {
    const zip = zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`wikitext-2/${name}`, bytes])));
    await writeFile(join(dir, 'wikitext-2-v1.zip'), zip);
    const out = join(dir, 'out');
    const result = await run(['wikitext2', '--from', join(dir, 'wikitext-2-v1.zip'), '--out', out, '--shard-records', '8']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const manifest = await checkWikitext(out);
    // 1 + 5 + 1 + 8 + 7 tokens in train: shards of 8, 8 and 6.
    expect(manifest.splits.train.shards.map((shard) => [shard.file, shard.records, shard.bytes])).toEqual([
      ['train-00000.bin', 8, 16],
      ['train-00001.bin', 8, 16],
      ['train-00002.bin', 6, 12],
    ]);
    expect(manifest.splits.validation.shards.map((shard) => shard.file)).toEqual(['validation-00000.bin', 'validation-00001.bin']);
    expect(result.stdout).toMatch(/vocabulary\s+14 tokens in vocab\.txt, ids stored as uint16/);
  });

  it('reads loose files given one by one, or as their folder', async () => {
    const folder = join(dir, 'wikitext-2');
    await mkdir(folder);
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
    const out = join(dir, 'out');
    const loose = await run(['wikitext2', ...Object.keys(files).flatMap((name) => ['--from', join(folder, name)]), '--out', out]);
    expect(loose.code).toBe(0);
    expect((await checkWikitext(out)).source?.origin).toBe('wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens');
    const again = await run(['wikitext2', '--from', folder, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 written, 4 already up to date, 0 stale removed');
    expect((await checkWikitext(out)).source?.origin).toBe('wikitext-2');
  });

  it('names missing files and refuses a gzip given as the zip', async () => {
    await writeFile(join(dir, 'wiki.train.tokens'), files['wiki.train.tokens']);
    const missing = await run(['wikitext2', '--from', join(dir, 'wiki.train.tokens'), '--out', join(dir, 'out')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: wiki\.valid\.tokens and wiki\.test\.tokens are missing from the chosen files/);

    await writeFile(join(dir, 'wikitext-2-v1.zip'), await gzip(files['wiki.train.tokens']));
    const gzipped = await run(['wikitext2', '--from', join(dir, 'wikitext-2-v1.zip'), '--out', join(dir, 'out')]);
    expect(gzipped.code).toBe(1);
    expect(gzipped.stderr).toContain('error: wikitext-2-v1.zip is not a zip archive: it is a gzip file');
  });

  it('refuses an empty split file', async () => {
    const zip = zipSync({ ...files, 'wiki.test.tokens': new Uint8Array() });
    await writeFile(join(dir, 'w.zip'), zip);
    const result = await run(['wikitext2', '--from', join(dir, 'w.zip'), '--out', join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: The test split of w.zip has no lines: its file is empty. Download the dataset again.\n');
  });
});

// Raw WikiText (wiki.*.raw) in miniature, in words the fixture tokenizer knows, but for one euro sign.
const RAW_TRAIN = ' \n = The Cat = \n \n The lower cat sat , newest 1 @,@ 990 . \n';
const RAW_VALID = ' = New = \n the cat € . \n';
const RAW_TEST = ' the lower cat . \n';

describe('npm run data -- wikitext2 --tokenizer gpt1', () => {
  const vocabBytes = strToU8(vocabJson(fixtureVocabTokens()));
  const mergesBytes = strToU8(mergesText());
  const raw = { 'wiki.train.raw': strToU8(RAW_TRAIN), 'wiki.valid.raw': strToU8(RAW_VALID), 'wiki.test.raw': strToU8(RAW_TEST) };
  const tokens = [...fixtureVocabTokens(), '<unk>'];
  const splitPieces = async (out: string, manifest: Gpt1BpeManifest, split: string) => {
    const bytes = await shardBytes(out, manifest, split);
    return Array.from({ length: bytes.length / 2 }, (_, i) => tokens[bytes[2 * i] | (bytes[2 * i + 1] << 8)]);
  };

  async function runGpt1(extra: string[] = [], vocab = vocabBytes, merges = mergesBytes) {
    await writeFile(
      join(dir, 'wikitext-2-raw-v1.zip'),
      zipSync(Object.fromEntries(Object.entries(raw).map(([name, bytes]) => [`wikitext-2-raw/${name}`, bytes]))),
    );
    await writeFile(join(dir, 'vocab.json'), vocab);
    await writeFile(join(dir, 'merges.txt'), merges);
    const out = join(dir, 'out');
    const args = ['wikitext2', '--tokenizer', 'gpt1', '--vocab', join(dir, 'vocab.json'), '--merges', join(dir, 'merges.txt')];
    return { out, result: await run([...args, '--from', join(dir, 'wikitext-2-raw-v1.zip'), '--out', out, '--shard-records', '8', ...extra]) };
  }

  it('writes each split as one stream of GPT-1 BPE ids, with the tokenizer files, their hashes and the vocabulary size', async () => {
    const { out, result } = await runGpt1();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const manifest = (await readManifest(out)) as Gpt1BpeManifest;
    expect(manifest.tokenizer).toBe('gpt1-bpe');
    expect(manifest.dtype).toBe('uint16');
    expect(manifest.vocabulary).toEqual({
      file: 'vocab.json',
      bytes: vocabBytes.length,
      sha256: sha256(vocabBytes),
      size: tokens.length,
      unk: '<unk>',
      unkId: tokens.length - 1,
    });
    expect(manifest.merges).toEqual({ file: 'merges.txt', bytes: mergesBytes.length, sha256: sha256(mergesBytes) });
    expect(new Uint8Array(await readFile(join(out, 'vocab.json')))).toEqual(vocabBytes);
    expect(new Uint8Array(await readFile(join(out, 'merges.txt')))).toEqual(mergesBytes);
    // Lower-cased, no end-of-line token, WikiText's @,@ as three pieces, merges by rank ("lower" = low + er</w>).
    expect(await splitPieces(out, manifest, 'train')).toEqual(
      ['=</w>', 'the</w>', 'cat</w>', '=</w>', 'the</w>', 'low', 'er</w>', 'cat</w>', 's', 'a', 't</w>', ',</w>', 'new', 'est</w>'].concat([
        '1</w>',
        '@</w>',
        ',</w>',
        '@</w>',
        '9',
        '9',
        '0</w>',
        '.</w>',
      ]),
    );
    expect(manifest.splits.train.shards.map((shard) => shard.records)).toEqual([8, 8, 6]);
    expect(await splitPieces(out, manifest, 'validation')).toEqual(['=</w>', 'ne', 'w</w>', '=</w>', 'the</w>', 'cat</w>', '<unk>', '.</w>']);
    expect(await splitPieces(out, manifest, 'test')).toEqual(['the</w>', 'low', 'er</w>', 'cat</w>', '.</w>']);
    expect(result.stdout).toMatch(/vocabulary\s+101 tokens in vocab\.json and merges\.txt \(GPT-1 BPE\), ids stored as uint16/);
    expect(result.stdout).toContain("pieces GPT-1's vocabulary lacks, written as <unk> (id 100): 1 in validation");
  });

  it('rewrites nothing when run again, the copied tokenizer files included', async () => {
    expect((await runGpt1()).result.code).toBe(0);
    const again = await runGpt1();
    expect(again.result.code).toBe(0);
    // 3 + 1 + 1 shards (22, 8 and 5 tokens), vocab.json and merges.txt.
    expect(again.result.stdout).toContain('0 written, 7 already up to date, 0 stale removed');
  });

  it('refuses tokenizer files that do not parse or do not match, naming the file and the reason, before writing anything', async () => {
    const mismatched = strToU8(mergesText([...FIXTURE_MERGES, ['x', 'y']]));
    const { out, result } = await runGpt1([], vocabBytes, mismatched);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${join(dir, 'merges.txt')} does not match ${join(dir, 'vocab.json')}: merge 13 ("x y") makes "xy", which`);
    expect(await exists(out)).toBe(false);

    const broken = await runGpt1([], strToU8('{"a": 0, "b": 5}'));
    expect(broken.result.code).toBe(1);
    expect(broken.result.stderr).toContain(`error: ${join(dir, 'vocab.json')}: token "b" has id 5, but the 2 ids must be the whole numbers 0 to 1`);

    const missing = await run(['wikitext2', '--tokenizer', 'gpt1', '--vocab', join(dir, 'nope.json'), '--merges', join(dir, 'merges.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: --vocab ${join(dir, 'nope.json')}: there is no such file. Give the path of GPT-1's vocab.json.`);
  });
});

describe('the command line', () => {
  it('exits 2 with a message for an unknown dataset or option, and 0 with the help', async () => {
    const unknown = await run(['imagenet']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: unknown dataset "imagenet"; use cifar10 or wikitext2\nRun `npm run data -- --help` for the datasets and options.\n');
    const option = await run(['cifar10', '--force']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: unknown option --force\n/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run data -- DATASET \[options\]/);
  });
});

describe('servedPath', () => {
  it('gives the URL path `npm start` serves a folder under public/ at, and null elsewhere', () => {
    expect(servedPath('public/data/cifar10')).toBe('/data/cifar10/manifest.json');
    expect(servedPath(join(process.cwd(), 'public', 'data', 'wikitext2'))).toBe('/data/wikitext2/manifest.json');
    expect(servedPath('public')).toBe('/manifest.json');
    expect(servedPath('data/cifar10')).toBeNull();
    expect(servedPath('public/../cifar10')).toBeNull();
    expect(servedPath('/tmp/cifar10')).toBeNull();
  });
});
