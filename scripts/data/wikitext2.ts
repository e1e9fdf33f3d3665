// WikiText-2 as shards of token ids, with vocab.txt, tokenized by the same module the page uses.

import { DatasetError } from '../../src/engine/data/dataset-error';
import { MANIFEST_FORMAT, MANIFEST_VERSION, TOKEN_DTYPE_BYTES, tokenBytes, tokenDtypeFor, type TokenManifest } from '../../src/engine/data/manifest';
import {
  buildVocabulary,
  DEFAULT_EOS,
  DEFAULT_UNK,
  readWikitextArchive,
  readWikitextFiles,
  tokenizeLines,
  vocabularyText,
  WIKITEXT_SPLITS,
  type WikitextSplits,
} from '../../src/engine/data/wikitext';
import type { DatasetInput } from './inputs';
import { writeFileIfChanged, writeShards, type WriteStats } from './out-dir';

export const VOCABULARY_FILE = 'vocab.txt';

export function isWikitextFile(name: string): boolean {
  return /^wiki\.(train|valid|test)\.(tokens|raw)$/.test(name);
}

export function readWikitextInput(input: DatasetInput): WikitextSplits {
  return input.kind === 'files' ? readWikitextFiles(input.files) : readWikitextArchive(input.bytes, input.name);
}

export async function writeWikitextShards(
  dir: string,
  splits: WikitextSplits,
  shardRecords: number,
  stats: WriteStats,
  source: TokenManifest['source'],
): Promise<TokenManifest> {
  for (const split of WIKITEXT_SPLITS) {
    if (splits[split].length === 0) {
      throw new DatasetError(
        'empty',
        `The ${split} split of ${source?.origin ?? 'the WikiText files'} has no lines: its file is empty. Download the dataset again.`,
        source?.origin,
      );
    }
  }
  const vocabulary = buildVocabulary(splits.train, { unk: DEFAULT_UNK, eos: DEFAULT_EOS });
  const dtype = tokenDtypeFor(vocabulary.tokens.length);
  const vocabularyBytes = new TextEncoder().encode(vocabularyText(vocabulary));
  const vocabularySha256 = await writeFileIfChanged(dir, VOCABULARY_FILE, vocabularyBytes, stats);
  const written = {} as TokenManifest['splits'];
  for (const split of WIKITEXT_SPLITS) {
    written[split] = await writeShards(dir, split, tokenBytes(tokenizeLines(splits[split], vocabulary), dtype), TOKEN_DTYPE_BYTES[dtype], shardRecords, stats);
  }
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'tokens',
    dataset: 'wikitext2',
    dtype,
    vocabulary: {
      file: VOCABULARY_FILE,
      size: vocabulary.tokens.length,
      bytes: vocabularyBytes.length,
      sha256: vocabularySha256,
      unk: DEFAULT_UNK,
      eos: DEFAULT_EOS,
    },
    splits: written,
    source,
  };
}
