// A language model's training data as a run configuration's data section asks for it: the
// built-in corpus, WikiText-2's official files, its token shards, or its parquet files on the
// Hugging Face Hub. Text is tokenized word by word with the training split's vocabulary; shards
// already hold token ids and their vocabulary: a word list, or GPT-1's BPE files, whose data is
// cut into the paper's windows (text-training-data.ts).

import type { RunConfig } from '../../config/run-config';
import { defaultManifestUrl } from '../../config/run-config';
import { modelPreset } from '../../nn/presets';
import { DatasetError } from '../dataset-error';
import { Gpt1BpeTokenizer } from '../gpt1-bpe';
import { readHfWikitext } from '../hf-parquet';
import type { Gpt1BpeManifest, TokenDtype } from '../manifest';
import { syntheticTextSplits } from '../synthetic-text';
import type { ShardReader } from '../stream/shard-reader';
import { createPaperWindowTrainingData, createTextTrainingData, type TokenSplits } from '../text-training-data';
import type { TokenIds } from '../token-batches';
import type { TrainingData } from '../training-data';
import { buildVocabulary, tokenizeLines, vocabularyOf, type Vocabulary, type WikitextSplits } from '../wikitext';
import { readDataFiles, type DataFile, type ProgressReporter } from './data-files';
import { readDroppedWikitext } from './dropped-files';
import { openShards } from './open-shards';

type TokenizedText = { splits: TokenSplits; vocabulary: Vocabulary; tokenizer?: undefined } | { splits: TokenSplits; tokenizer: Gpt1BpeTokenizer };

/** Lines of text -> the word-level vocabulary of the training lines and token ids of every split. */
function tokenizeSplits(lines: WikitextSplits): TokenizedText {
  const vocabulary = buildVocabulary(lines.train);
  return {
    splits: {
      train: tokenizeLines(lines.train, vocabulary),
      validation: tokenizeLines(lines.validation, vocabulary),
      test: tokenizeLines(lines.test, vocabulary),
    },
    vocabulary,
  };
}

function tokenIds(bytes: Uint8Array, dtype: TokenDtype): TokenIds {
  // A copy: the shard bytes may start at an offset a Uint16Array or Uint32Array cannot view.
  const aligned = bytes.slice().buffer;
  return dtype === 'uint16' ? new Uint16Array(aligned) : new Uint32Array(aligned);
}

/** WikiText-2 from shards: token ids as `npm run data -- wikitext2` wrote them, and their vocabulary. */
async function wikitextFromShards(config: RunConfig, report: ProgressReporter): Promise<TokenizedText> {
  const manifestUrl = config.data.url ?? defaultManifestUrl('wikitext2');
  const reader = await openShards(manifestUrl, report);
  const { manifest } = reader;
  if (manifest.kind !== 'tokens') {
    throw new DatasetError(
      'manifest',
      `${manifestUrl} describes an ${manifest.kind} dataset (${manifest.dataset}); language modelling needs a token manifest such as the one \`npm run data -- wikitext2\` writes.`,
      manifestUrl,
    );
  }
  const split = async (name: 'train' | 'validation' | 'test') => tokenIds(await reader.readSplit(name), manifest.dtype);
  if (manifest.tokenizer === 'gpt1-bpe') {
    const tokenizer = await gpt1TokenizerOf(reader, manifest);
    return { splits: { train: await split('train'), validation: await split('validation'), test: await split('test') }, tokenizer };
  }
  const vocabulary = vocabularyOf(await reader.readVocabulary(), manifest.vocabulary.unk, manifest.vocabulary.eos);
  return { splits: { train: await split('train'), validation: await split('validation'), test: await split('test') }, vocabulary };
}

/** GPT-1's tokenizer from the vocab.json and merges.txt next to the manifest, which must give the ids the manifest says. */
async function gpt1TokenizerOf(reader: ShardReader, manifest: Gpt1BpeManifest): Promise<Gpt1BpeTokenizer> {
  const files = await reader.readGpt1TokenizerFiles();
  const tokenizer = Gpt1BpeTokenizer.fromFiles(files.vocab.text, files.merges.text, { sources: { vocab: files.vocab.url, merges: files.merges.url } });
  const { size, unk, unkId } = manifest.vocabulary;
  if (tokenizer.size !== size || tokenizer.tokens[unkId] !== unk) {
    throw new DatasetError(
      'manifest',
      `${files.vocab.url} gives ${tokenizer.size} ids with "${tokenizer.tokens[tokenizer.unk]}" at ${tokenizer.unk}, but ${reader.manifestUrl} says ${size} ids with "${unk}" at ${unkId}; ` +
        'the files do not belong to this manifest. Run `npm run data -- wikitext2 --tokenizer gpt1` again.',
      reader.manifestUrl,
    );
  }
  return tokenizer;
}

/** WikiText-2 from the Hub's parquet files (or a mirror at data.url): raw lines, tokenized here. */
async function wikitextFromHub(config: RunConfig, report: ProgressReporter): Promise<TokenizedText> {
  const options = { baseUrl: config.data.url, onProgress: report };
  return tokenizeSplits({
    train: await readHfWikitext('train', options),
    validation: await readHfWikitext('validation', options),
    test: await readHfWikitext('test', options),
  });
}

async function wikitextFromFiles(files: readonly DataFile[], report: ProgressReporter): Promise<TokenizedText> {
  if (files.length === 0) {
    throw new Error(
      'The config reads wikitext2 from files but none were given: drop wikitext-2-v1.zip on the page, or pass --data with it or with the folder of its wiki.*.tokens files.',
    );
  }
  return tokenizeSplits(readDroppedWikitext(await readDataFiles(files, report)));
}

function readText(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TokenizedText> {
  const { data } = config;
  if (data.source === 'synthetic') {
    return Promise.resolve(
      tokenizeSplits(syntheticTextSplits(config.seed, { trainLines: data.train_size, validationLines: data.test_size, testLines: data.test_size })),
    );
  }
  switch (data.from) {
    case 'shards':
      return wikitextFromShards(config, report);
    case 'huggingface':
      return wikitextFromHub(config, report);
    case 'files':
      return wikitextFromFiles(files, report);
  }
}

export async function textDataFromConfig(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  const text = await readText(config, files, report);
  // Training windows are as long as the model's context.
  const classes = text.tokenizer ? text.tokenizer.size : text.vocabulary.tokens.length;
  const options = { batchSize: config.batch_size, context: modelPreset(config.model, classes).inputShape[0], seed: config.seed };
  return text.tokenizer ? createPaperWindowTrainingData(text.splits, text.tokenizer, options) : createTextTrainingData(text.splits, text.vocabulary, options);
}
