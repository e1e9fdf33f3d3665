// WikiText-2 as GPT-1 BPE token ids (`--tokenizer gpt1`), the form of the paper's language-model
// runs. Each split is one stream: its lines joined by their newlines and encoded as a whole, with
// no end-of-line token (GPT-1's pre-tokenisation reads a newline as a space). Since no piece
// crosses whitespace, that equals encoding line by line and concatenating, which is what is done
// here. The tokenizer files are copied next to the shards and their SHA-256s go in the manifest.

import { readFile } from 'node:fs/promises';
import { DatasetError } from '../../src/engine/data/dataset-error';
import { Gpt1BpeTokenizer } from '../../src/engine/data/gpt1-bpe';
import { MANIFEST_FORMAT, MANIFEST_VERSION, TOKEN_DTYPE_BYTES, tokenBytes, tokenDtypeFor, type Gpt1BpeManifest } from '../../src/engine/data/manifest';
import { WIKITEXT_SPLITS, type WikitextSplits } from '../../src/engine/data/wikitext';
import { writeFileIfChanged, writeShards, type WriteStats } from './out-dir';

export const GPT1_VOCAB_FILE = 'vocab.json';
export const GPT1_MERGES_FILE = 'merges.txt';

export interface Gpt1TokenizerFiles {
  tokenizer: Gpt1BpeTokenizer;
  vocabBytes: Uint8Array;
  mergesBytes: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readTokenizerFile(path: string, flag: string): Promise<{ bytes: Uint8Array; text: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new DatasetError(
      'tokenizer',
      `${flag} ${path}: ${reason}. Give the path of GPT-1's ${flag === '--vocab' ? GPT1_VOCAB_FILE : GPT1_MERGES_FILE}.`,
      path,
    );
  }
  try {
    return { bytes, text: utf8.decode(bytes) };
  } catch {
    throw new DatasetError('tokenizer', `${path} is not UTF-8 text, so it is not GPT-1's tokenizer file or it is damaged.`, path);
  }
}

/** Reads and checks --vocab and --merges; a DatasetError names the file and the reason. */
export async function loadGpt1Tokenizer(vocabPath: string, mergesPath: string): Promise<Gpt1TokenizerFiles> {
  const vocab = await readTokenizerFile(vocabPath, '--vocab');
  const merges = await readTokenizerFile(mergesPath, '--merges');
  const tokenizer = Gpt1BpeTokenizer.fromFiles(vocab.text, merges.text, { sources: { vocab: vocabPath, merges: mergesPath } });
  return { tokenizer, vocabBytes: vocab.bytes, mergesBytes: merges.bytes };
}

/** Every line's ids, in order, as one stream. */
export function encodeSplit(lines: readonly string[], tokenizer: Gpt1BpeTokenizer): Uint32Array {
  const ids: number[] = [];
  for (const line of lines) tokenizer.encode(line, ids);
  return Uint32Array.from(ids);
}

export interface Gpt1ShardsResult {
  manifest: Gpt1BpeManifest;
  /** Pieces per split that GPT-1's vocabulary lacks and that were written as the unknown id. */
  unknown: Record<keyof WikitextSplits, number>;
}

export async function writeGpt1WikitextShards(
  dir: string,
  splits: WikitextSplits,
  files: Gpt1TokenizerFiles,
  shardRecords: number,
  stats: WriteStats,
  source: Gpt1BpeManifest['source'],
): Promise<Gpt1ShardsResult> {
  const { tokenizer } = files;
  const dtype = tokenDtypeFor(tokenizer.size);
  const vocabSha256 = await writeFileIfChanged(dir, GPT1_VOCAB_FILE, files.vocabBytes, stats);
  const mergesSha256 = await writeFileIfChanged(dir, GPT1_MERGES_FILE, files.mergesBytes, stats);
  const written = {} as Gpt1BpeManifest['splits'];
  const unknown = {} as Gpt1ShardsResult['unknown'];
  for (const split of WIKITEXT_SPLITS) {
    const ids = encodeSplit(splits[split], tokenizer);
    if (ids.length === 0) {
      throw new DatasetError(
        'empty',
        `The ${split} split of ${source?.origin ?? 'the WikiText files'} gives no tokens: its file holds only whitespace. Download the dataset again.`,
        source?.origin,
      );
    }
    unknown[split] = ids.reduce((count, id) => count + (id === tokenizer.unk ? 1 : 0), 0);
    written[split] = await writeShards(dir, split, tokenBytes(ids, dtype), TOKEN_DTYPE_BYTES[dtype], shardRecords, stats);
  }
  const manifest: Gpt1BpeManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'tokens',
    tokenizer: 'gpt1-bpe',
    dataset: 'wikitext2',
    dtype,
    vocabulary: {
      file: GPT1_VOCAB_FILE,
      bytes: files.vocabBytes.length,
      sha256: vocabSha256,
      size: tokenizer.size,
      unk: tokenizer.tokens[tokenizer.unk],
      unkId: tokenizer.unk,
    },
    merges: { file: GPT1_MERGES_FILE, bytes: files.mergesBytes.length, sha256: mergesSha256 },
    splits: written,
    source,
  };
  return { manifest, unknown };
}
