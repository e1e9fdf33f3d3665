// Tiny datasets in the `npm run data` layout for the stream tests, built byte by byte here
// (the manifest from the shards' own sizes and hashes) and uploaded to the fault server.

import { CIFAR10_CLASS_NAMES, CIFAR10_RECORD_BYTES } from '../../data/cifar10';
import { GPT1_UNK, Gpt1BpeTokenizer } from '../../data/gpt1-bpe';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type Gpt1BpeManifest,
  type ImageManifest,
  type Manifest,
  type ShardEntry,
  type TokenManifest,
} from '../../data/manifest';
import { sha256Hex } from '../../data/stream/fetch-bytes';
import { DEFAULT_EOS, DEFAULT_UNK } from '../../data/wikitext';
import type { FaultServerClient } from '../fault-server-client';
import { cifarBatch } from './file-fixtures';
import { fixtureVocabTokens, mergesText, vocabJson } from './gpt1-bpe-fixtures';

export interface DatasetFixture {
  manifest: Manifest;
  /** Every file by its path relative to the manifest, manifest.json included. */
  files: Map<string, Uint8Array>;
}

/** Record `id` has label id % 10, pixel 0 = id, so a test can tell every record apart. */
export function imageRecords(ids: readonly number[]): Uint8Array {
  return cifarBatch(
    ids.map((id) => id % CIFAR10_CLASS_NAMES.length),
    (record, index) => (index === 0 ? ids[record] : (ids[record] * 31 + index) & 0xff),
  );
}

/** The id of record `record` of a window written by imageRecords. */
export function imageRecordId(bytes: Uint8Array, record: number): number {
  return bytes[record * CIFAR10_RECORD_BYTES + 1];
}

const encoder = new TextEncoder();

async function shardEntries(
  split: string,
  shards: readonly Uint8Array[],
  recordSize: number,
  files: Map<string, Uint8Array>,
): Promise<{ records: number; shards: ShardEntry[] }> {
  const entries: ShardEntry[] = [];
  for (const [i, bytes] of shards.entries()) {
    const file = `${split}-${String(i).padStart(5, '0')}.bin`;
    files.set(file, bytes);
    entries.push({ file, records: bytes.length / recordSize, bytes: bytes.length, sha256: await sha256Hex(bytes) });
  }
  return { records: entries.reduce((sum, shard) => sum + shard.records, 0), shards: entries };
}

/** Ids 0..11 in 3 train shards of 4, ids 12..15 in 1 test shard, unless shards are given. */
export async function imageFixture(
  shards: { train: Uint8Array[]; test: Uint8Array[] } = {
    train: [imageRecords([0, 1, 2, 3]), imageRecords([4, 5, 6, 7]), imageRecords([8, 9, 10, 11])],
    test: [imageRecords([12, 13, 14, 15])],
  },
): Promise<DatasetFixture> {
  const files = new Map<string, Uint8Array>();
  const manifest: ImageManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'images',
    dataset: 'tiny-cifar',
    record: { layout: 'cifar10-binary', bytes: CIFAR10_RECORD_BYTES },
    classes: [...CIFAR10_CLASS_NAMES],
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
    splits: {
      train: await shardEntries('train', shards.train, CIFAR10_RECORD_BYTES, files),
      test: await shardEntries('test', shards.test, CIFAR10_RECORD_BYTES, files),
    },
  };
  files.set(MANIFEST_FILE, encoder.encode(JSON.stringify(manifest, null, 2)));
  return { manifest, files };
}

export const FIXTURE_VOCABULARY = [DEFAULT_UNK, DEFAULT_EOS, 'the', 'cat', 'sat', 'on', 'mat'];

export function uint16Tokens(ids: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(ids.length * 2);
  const view = new DataView(bytes.buffer);
  ids.forEach((id, i) => view.setUint16(i * 2, id, true));
  return bytes;
}

/** A uint16 token dataset over FIXTURE_VOCABULARY: 2 train shards, 1 validation, 1 test, unless shards are given. */
export async function tokenFixture(
  shards: { train: Uint8Array[]; validation: Uint8Array[]; test: Uint8Array[] } = {
    train: [uint16Tokens([2, 3, 4, 5, 2, 6, 1]), uint16Tokens([2, 6, 4, 1])],
    validation: [uint16Tokens([2, 3, 1])],
    test: [uint16Tokens([0, 4, 5, 6, 1])],
  },
): Promise<DatasetFixture> {
  const files = new Map<string, Uint8Array>();
  const vocabulary = encoder.encode(`${FIXTURE_VOCABULARY.join('\n')}\n`);
  files.set('vocab.txt', vocabulary);
  const manifest: TokenManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'tokens',
    dataset: 'tiny-text',
    dtype: 'uint16',
    vocabulary: {
      file: 'vocab.txt',
      size: FIXTURE_VOCABULARY.length,
      bytes: vocabulary.length,
      sha256: await sha256Hex(vocabulary),
      unk: DEFAULT_UNK,
      eos: DEFAULT_EOS,
    },
    splits: {
      train: await shardEntries('train', shards.train, 2, files),
      validation: await shardEntries('validation', shards.validation, 2, files),
      test: await shardEntries('test', shards.test, 2, files),
    },
  };
  files.set(MANIFEST_FILE, encoder.encode(JSON.stringify(manifest, null, 2)));
  return { manifest, files };
}

export interface Gpt1BpeFixture extends DatasetFixture {
  tokenizer: Gpt1BpeTokenizer;
  /** Each split's ids, as its shards hold them. */
  ids: { train: number[]; validation: number[]; test: number[] };
}

/**
 * A GPT-1 BPE token dataset as `npm run data -- wikitext2 --tokenizer gpt1` writes it, over the
 * fixture tokenizer of gpt1-bpe-fixtures.ts: each split's text encoded as one stream, the
 * training ids in two shards.
 */
export async function gpt1BpeFixture(text: { train: string; validation: string; test: string }): Promise<Gpt1BpeFixture> {
  const vocabBytes = encoder.encode(vocabJson(fixtureVocabTokens()));
  const mergesBytes = encoder.encode(mergesText());
  const tokenizer = Gpt1BpeTokenizer.fromFiles(new TextDecoder().decode(vocabBytes), new TextDecoder().decode(mergesBytes));
  const ids = { train: tokenizer.encode(text.train), validation: tokenizer.encode(text.validation), test: tokenizer.encode(text.test) };
  const half = Math.ceil(ids.train.length / 2);
  const files = new Map<string, Uint8Array>([
    ['vocab.json', vocabBytes],
    ['merges.txt', mergesBytes],
  ]);
  const manifest: Gpt1BpeManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'tokens',
    tokenizer: 'gpt1-bpe',
    dataset: 'tiny-bpe',
    dtype: 'uint16',
    vocabulary: {
      file: 'vocab.json',
      bytes: vocabBytes.length,
      sha256: await sha256Hex(vocabBytes),
      size: tokenizer.size,
      unk: GPT1_UNK,
      unkId: tokenizer.unk,
    },
    merges: { file: 'merges.txt', bytes: mergesBytes.length, sha256: await sha256Hex(mergesBytes) },
    splits: {
      train: await shardEntries('train', [uint16Tokens(ids.train.slice(0, half)), uint16Tokens(ids.train.slice(half))], 2, files),
      validation: await shardEntries('validation', [uint16Tokens(ids.validation)], 2, files),
      test: await shardEntries('test', [uint16Tokens(ids.test)], 2, files),
    },
  };
  files.set(MANIFEST_FILE, encoder.encode(JSON.stringify(manifest, null, 2)));
  return { manifest, files, tokenizer, ids };
}

/** Uploads every file under `prefix` and returns the manifest's URL. */
export async function uploadFixture(client: FaultServerClient, prefix: string, fixture: DatasetFixture): Promise<string> {
  for (const [file, bytes] of fixture.files) await client.put(`${prefix}${file}`, bytes);
  return client.fileUrl(`${prefix}${MANIFEST_FILE}`);
}
