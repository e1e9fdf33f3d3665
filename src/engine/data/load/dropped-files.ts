// Identifies and checks files a user dropped on the page (or picked with the file dialog):
// the official CIFAR-10 binary archive or batch files, or WikiText-2's zip or token files.
// The training worker parses them, so a 170 MB archive never blocks the page.

import { readCifarArchive, readCifarFiles, type CifarSplits } from '../cifar10';
import { DatasetError } from '../dataset-error';
import { buildVocabulary, readWikitextArchive, readWikitextFiles, tokenizeLines, type WikitextSplits } from '../wikitext';

/** What a set of dropped or chosen files holds, once parsed and checked. */
export type DataSummary =
  | { dataset: 'cifar10'; train: number; test: number; classes: string[] }
  | { dataset: 'wikitext2'; vocabulary: number; train: number; validation: number; test: number };

const CIFAR_NAME = /(\.tar\.gz|\.tgz|\.bin)$/i;
const WIKITEXT_NAME = /(\.zip|\.tokens|\.raw)$/i;

export function looksLikeCifar(names: readonly string[]): boolean {
  return names.length > 0 && names.every((name) => CIFAR_NAME.test(name));
}

export function looksLikeWikitext(names: readonly string[]): boolean {
  return names.length > 0 && names.every((name) => WIKITEXT_NAME.test(name));
}

export async function readDroppedCifar(files: ReadonlyMap<string, Uint8Array>): Promise<CifarSplits> {
  const archive = [...files.keys()].find((name) => /\.(tar\.gz|tgz)$/i.test(name));
  return archive ? readCifarArchive(files.get(archive)!, archive) : readCifarFiles(files);
}

export function readDroppedWikitext(files: ReadonlyMap<string, Uint8Array>): WikitextSplits {
  const archive = [...files.keys()].find((name) => /\.zip$/i.test(name));
  return archive ? readWikitextArchive(files.get(archive)!) : readWikitextFiles(files);
}

/** Parses the files as the dataset their names suggest and summarises them; a DatasetError says what is wrong. */
export async function inspectDataFiles(files: ReadonlyMap<string, Uint8Array>): Promise<DataSummary> {
  const names = [...files.keys()];
  if (looksLikeCifar(names)) {
    const { train, test } = await readDroppedCifar(files);
    return { dataset: 'cifar10', train: train.labels.length, test: test.labels.length, classes: train.classNames };
  }
  if (looksLikeWikitext(names)) {
    const splits = readDroppedWikitext(files);
    const vocabulary = buildVocabulary(splits.train);
    return {
      dataset: 'wikitext2',
      vocabulary: vocabulary.tokens.length,
      train: tokenizeLines(splits.train, vocabulary).length,
      validation: tokenizeLines(splits.validation, vocabulary).length,
      test: tokenizeLines(splits.test, vocabulary).length,
    };
  }
  throw new DatasetError(
    'missing-files',
    `Cannot tell which dataset ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'}. Drop cifar-10-binary.tar.gz (or data_batch_1..5.bin with test_batch.bin), ` +
      'or wikitext-2-v1.zip (or wiki.train.tokens, wiki.valid.tokens and wiki.test.tokens), all files at once.',
  );
}
