// WikiText (Merity et al., 2016, "Pointer Sentinel Mixture Models") read and tokenized as
// the standard word-level benchmark does it, PyTorch's examples/word_language_model/data.py:
// every line becomes line.split() + ['<eos>'], and ids are given in order of first appearance.
// Here the vocabulary comes from the training split alone and other words map to <unk>;
// WikiText-2 v1 already replaced its rare words by <unk>, so on it this gives the usual
// 33,278 tokens and 2,088,628 training tokens.

import { DatasetError } from './dataset-error';
import { unzipEntries } from './zip';

export interface WikitextSplits {
  train: string[];
  validation: string[];
  test: string[];
}

export type WikitextSplit = keyof WikitextSplits;
export const WIKITEXT_SPLITS: readonly WikitextSplit[] = ['train', 'validation', 'test'];

/** The file names inside wikitext-2-v1.zip ("tokens") and wikitext-2-raw-v1.zip ("raw"). */
const SPLIT_STEM: Record<WikitextSplit, string> = { train: 'wiki.train', validation: 'wiki.valid', test: 'wiki.test' };
type Variant = 'tokens' | 'raw';
const SPLIT_FILE = /^wiki\.(train|valid|test)\.(tokens|raw)$/;

export const WIKITEXT2_ARCHIVE_NAME = 'wikitext-2-v1.zip';
/** Where the archive is published (the URL torchtext downloads it from). */
export const WIKITEXT2_ARCHIVE_URL = `https://s3.amazonaws.com/research.metamind.io/wikitext/${WIKITEXT2_ARCHIVE_NAME}`;
const DOWNLOAD_ADVICE = `download ${WIKITEXT2_ARCHIVE_NAME} (${WIKITEXT2_ARCHIVE_URL}) and choose it as it is, or the three files inside it`;

export const DEFAULT_UNK = '<unk>';
export const DEFAULT_EOS = '<eos>';

export interface Vocabulary {
  /** Token by id. */
  tokens: string[];
  idOf: Map<string, number>;
  /** Id of the token unknown words map to. */
  unk: number;
  /** Id of the token that ends every line. */
  eos: number;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function fileName(split: WikitextSplit, variant: Variant): string {
  return `${SPLIT_STEM[split]}.${variant}`;
}

function describeList(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

// Python's open(path, encoding='utf8') keeps a byte-order mark and refuses invalid UTF-8.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Lines as Python's text-mode `for line in f` yields them: universal newlines (\n, \r\n and a
 * lone \r all end a line), and no empty last line after a final newline.
 */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function decodeLines(bytes: Uint8Array, name: string): string[] {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new DatasetError('corrupt', `${name} is not UTF-8 text, so it is not a WikiText file or it is damaged; ${DOWNLOAD_ADVICE}.`, name);
  }
  return splitLines(text);
}

/** Picks the three split files out of (path, bytes) pairs by base name, in any folder. */
function readSplits(entries: Iterable<[string, Uint8Array]>, source: string): WikitextSplits {
  const found = new Map<string, { path: string; bytes: Uint8Array }>();
  const variants = new Set<Variant>();
  for (const [path, bytes] of entries) {
    const name = baseName(path);
    const match = SPLIT_FILE.exec(name);
    if (!match) continue;
    const earlier = found.get(name);
    if (earlier) {
      throw new DatasetError('ambiguous-files', `${name} appears twice in ${source}, as "${earlier.path}" and "${path}"; keep one copy of each WikiText file.`);
    }
    found.set(name, { path, bytes });
    variants.add(match[2] as Variant);
  }
  if (variants.size > 1) {
    throw new DatasetError(
      'ambiguous-files',
      `${source} holds both the tokenized files (wiki.*.tokens) and the raw ones (wiki.*.raw); choose one set, normally the .tokens files of ${WIKITEXT2_ARCHIVE_NAME}.`,
    );
  }
  const variant: Variant = variants.has('raw') ? 'raw' : 'tokens';
  const missing = WIKITEXT_SPLITS.map((split) => fileName(split, variant)).filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new DatasetError(
      'missing-files',
      `${describeList(missing)} ${missing.length === 1 ? 'is' : 'are'} missing from ${source}. WikiText needs ${describeList(WIKITEXT_SPLITS.map((split) => fileName(split, variant)))}; ${DOWNLOAD_ADVICE}.`,
    );
  }
  const lines = (split: WikitextSplit) => {
    const file = found.get(fileName(split, variant))!;
    return decodeLines(file.bytes, file.path);
  };
  return { train: lines('train'), validation: lines('validation'), test: lines('test') };
}

/** wikitext-2-v1.zip (or the raw variant, or WikiText-103) as downloaded. */
export function readWikitextArchive(zipBytes: Uint8Array, archiveName: string = WIKITEXT2_ARCHIVE_NAME): WikitextSplits {
  const entries = unzipEntries(zipBytes, archiveName, (path) => SPLIT_FILE.test(baseName(path)));
  return readSplits(entries, archiveName);
}

/** wiki.train.tokens, wiki.valid.tokens and wiki.test.tokens, keyed by name or path (matched by base name). */
export function readWikitextFiles(files: ReadonlyMap<string, Uint8Array>): WikitextSplits {
  return readSplits(files.entries(), 'the chosen files');
}

// Python's str.split() with no argument: runs of Unicode whitespace as Python defines it
// (which, unlike JavaScript's \s, includes \x1c-\x1f and \x85 and excludes \ufeff).
// eslint-disable-next-line no-control-regex -- \x1c-\x1f are whitespace to Python, so they must be here.
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** line.split(): the words of a line, without empty strings. */
export function lineWords(line: string): string[] {
  return line.split(PYTHON_WHITESPACE).filter((word) => word !== '');
}

function addToken(vocabulary: { tokens: string[]; idOf: Map<string, number> }, token: string): number {
  let id = vocabulary.idOf.get(token);
  if (id === undefined) {
    id = vocabulary.tokens.length;
    vocabulary.tokens.push(token);
    vocabulary.idOf.set(token, id);
  }
  return id;
}

/** Ids in order of first appearance over the lines, each line's words then eos; unk is added last when the text lacks it. */
export function buildVocabulary(trainLines: readonly string[], { unk = DEFAULT_UNK, eos = DEFAULT_EOS }: { unk?: string; eos?: string } = {}): Vocabulary {
  const vocabulary = { tokens: [] as string[], idOf: new Map<string, number>() };
  for (const line of trainLines) {
    for (const word of lineWords(line)) addToken(vocabulary, word);
    addToken(vocabulary, eos);
  }
  const eosId = addToken(vocabulary, eos);
  const unkId = addToken(vocabulary, unk);
  return { ...vocabulary, unk: unkId, eos: eosId };
}

/** The ids of every line's words then eos, in order; words outside the vocabulary become unk. */
export function tokenizeLines(lines: readonly string[], vocabulary: Vocabulary): Uint32Array {
  let ids = new Uint32Array(1 << 16);
  let length = 0;
  const push = (id: number) => {
    if (length === ids.length) {
      const grown = new Uint32Array(ids.length * 2);
      grown.set(ids);
      ids = grown;
    }
    ids[length++] = id;
  };
  for (const line of lines) {
    for (const word of lineWords(line)) push(vocabulary.idOf.get(word) ?? vocabulary.unk);
    push(vocabulary.eos);
  }
  return ids.slice(0, length);
}

/** The vocabulary of a token list (id = index) whose unknown-word and end-of-line tokens are `unk` and `eos`. */
export function vocabularyOf(tokens: readonly string[], unk: string, eos: string): Vocabulary {
  const idOf = new Map(tokens.map((token, id) => [token, id]));
  const unkId = idOf.get(unk);
  const eosId = idOf.get(eos);
  if (unkId === undefined || eosId === undefined)
    throw new Error(`The vocabulary lacks its ${unkId === undefined ? `unknown-word token "${unk}"` : `end-of-line token "${eos}"`}.`);
  return { tokens: [...tokens], idOf, unk: unkId, eos: eosId };
}

/** vocab.txt: one token per line, the id being the line number from 0. */
export function vocabularyText(vocabulary: Vocabulary): string {
  return vocabulary.tokens.map((token) => `${token}\n`).join('');
}

/** Reads vocab.txt back; a DatasetError of kind "manifest" when a line is empty, a token repeats, or unk or eos is absent. */
export function parseVocabularyText(text: string, unk: string, eos: string, source = 'vocab.txt'): Vocabulary {
  const rewrite = 'Write it again with `npm run data -- wikitext2`.';
  // A token never holds whitespace, so a \r can only come from a checkout that rewrote line ends.
  const tokens = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (tokens[tokens.length - 1] === '') tokens.pop();
  const idOf = new Map<string, number>();
  tokens.forEach((token, id) => {
    if (token === '') throw new DatasetError('manifest', `${source}: line ${id + 1} is empty, but every line must hold one token. ${rewrite}`, source);
    const earlier = idOf.get(token);
    if (earlier !== undefined) {
      throw new DatasetError(
        'manifest',
        `${source}: "${token}" is on line ${earlier + 1} and again on line ${id + 1}, but each token must appear once. ${rewrite}`,
        source,
      );
    }
    idOf.set(token, id);
  });
  const missing = [unk, eos].filter((token) => !idOf.has(token));
  if (missing.length > 0) {
    throw new DatasetError(
      'manifest',
      `${source} has no line ${missing.map((token) => `"${token}"`).join(' or ')}, which the manifest names as its ${missing.length === 2 ? 'unknown-word and end-of-line tokens' : missing[0] === unk ? 'unknown-word token' : 'end-of-line token'}. ${rewrite}`,
      source,
    );
  }
  return { tokens, idOf, unk: idOf.get(unk)!, eos: idOf.get(eos)! };
}
