// GPT-1's byte-pair encoding (Radford et al., 2018) as Hugging Face's OpenAIGPTTokenizer applies
// it when ftfy and spaCy are not installed, which is the path that tokenizer documents as its
// fallback and the one that can be reproduced without a statistical English tokenizer:
//   1. special-token split: the unknown token's text ("<unk>") is kept whole, never split;
//   2. BERT's BasicTokenizer (lower-casing on): drop U+0000, U+FFFD and control characters
//      (Unicode category C*, except \t \n \r), turn whitespace (space, \t \n \r, category Zs)
//      into spaces, put spaces around CJK ideographs, split on Python's whitespace, lower-case
//      each word, strip accents (NFD, then drop category Mn), and cut every punctuation
//      character (ASCII non-alphanumerics, category P*) into a word of its own;
//   3. per word, BPE: the word's characters with "</w>" glued to the last one, then repeatedly
//      merge every occurrence of the adjacent pair whose merge has the lowest rank (its line in
//      merges.txt) until no adjacent pair has a rank;
//   4. each piece to its id in vocab.json; a piece the vocabulary lacks becomes the unknown id.
// That fallback does not run text_standardize (the dash, ellipsis and "----" rewrites): only the
// spaCy path does, so neither does this module. Decoding joins the pieces, turns "</w>" into a
// space and trims, as convert_tokens_to_string does.

import { DatasetError } from './dataset-error';

export const GPT1_UNK = '<unk>';
export const END_OF_WORD = '</w>';

// Python's str.split() and str.strip() whitespace (see lineWords in wikitext.ts).
// eslint-disable-next-line no-control-regex -- \x1c-\x1f are whitespace to Python, so they must be here.
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const PUNCTUATION = /^\p{P}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

function isBasicWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r' || SPACE_SEPARATOR.test(char);
}

function isControl(char: string): boolean {
  return char !== '\t' && char !== '\n' && char !== '\r' && CONTROL.test(char);
}

/** ASCII 33-47, 58-64, 91-96, 123-126 count as punctuation too ("$", "^", "`" are symbols to Unicode). */
function isPunctuation(char: string): boolean {
  const cp = char.codePointAt(0)!;
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) || PUNCTUATION.test(char);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function pythonSplit(text: string): string[] {
  return text.split(PYTHON_WHITESPACE).filter((word) => word !== '');
}

/** Characters (code points) cleaned, with CJK ideographs spaced out: _clean_text then _tokenize_chinese_chars. */
function cleanText(text: string): string {
  let out = '';
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(char)) continue;
    if (isBasicWhitespace(char)) out += ' ';
    else if (isCjk(cp)) out += ` ${char} `;
    else out += char;
  }
  return out;
}

function splitOnPunctuation(word: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const char of word) {
    if (isPunctuation(char)) {
      if (current !== '') pieces.push(current);
      pieces.push(char);
      current = '';
    } else current += char;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/** BERT's BasicTokenizer with lower-casing and accent stripping: the words BPE then encodes. */
export function basicTokenize(text: string): string[] {
  const words: string[] = [];
  for (const word of pythonSplit(cleanText(text))) {
    const folded = word.toLowerCase().normalize('NFD').replace(NONSPACING_MARK, '');
    // A piece cannot hold whitespace, but re-splitting, as the original does, also drops empty ones.
    for (const piece of splitOnPunctuation(folded)) words.push(...pythonSplit(piece));
  }
  return words;
}

/** Where each tokenizer file came from, for messages. */
export interface Gpt1BpeSources {
  vocab: string;
  merges: string;
}

const DEFAULT_SOURCES: Gpt1BpeSources = { vocab: 'vocab.json', merges: 'merges.txt' };
const ADVICE = "Use GPT-1's own vocab.json and merges.txt (openai-community/openai-gpt on the Hugging Face Hub), both from the same release.";

function tokenizerError(source: string, reason: string): DatasetError {
  return new DatasetError('tokenizer', `${source}: ${reason}. ${ADVICE}`, source);
}

/** vocab.json: a JSON object from token to id, the ids being 0 .. n-1, each once. Returns the tokens by id. */
export function parseGpt1Vocab(text: string, source = DEFAULT_SOURCES.vocab): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw tokenizerError(source, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw tokenizerError(source, 'is not a JSON object from token to id');
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0) throw tokenizerError(source, 'has no tokens');
  const tokens: (string | undefined)[] = new Array<string | undefined>(entries.length);
  for (const [token, id] of entries) {
    if (token === '') throw tokenizerError(source, 'has an empty token');
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length) {
      throw tokenizerError(
        source,
        `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, but the ${entries.length} ids must be the whole numbers 0 to ${entries.length - 1}`,
      );
    }
    const earlier = tokens[id];
    if (earlier !== undefined)
      throw tokenizerError(source, `tokens ${JSON.stringify(earlier)} and ${JSON.stringify(token)} both have id ${id}, but each id must belong to one token`);
    tokens[id] = token;
  }
  return tokens as string[];
}

/**
 * merges.txt: a "#version: ..." header line, then one merge "a b" per line, rank = its order.
 * As Hugging Face reads it (`split("\n")[1:-1]`), the piece after the final newline is dropped,
 * so a last line without a newline is not a merge; an empty line is skipped.
 */
export function parseGpt1Merges(text: string, source = DEFAULT_SOURCES.merges): [string, string][] {
  const lines = text.split('\n');
  if (!lines[0].startsWith('#version')) {
    throw tokenizerError(source, `its first line is ${JSON.stringify(lines[0].slice(0, 40))}, not the "#version: ..." header a merges file starts with`);
  }
  const merges: [string, string][] = [];
  const seen = new Map<string, number>();
  lines.slice(1, -1).forEach((line, i) => {
    const parts = pythonSplit(line);
    if (parts.length === 0) return;
    const lineNumber = i + 2;
    if (parts.length !== 2)
      throw tokenizerError(source, `line ${lineNumber} is ${JSON.stringify(line.slice(0, 60))}, but each merge is two symbols separated by a space`);
    const key = `${parts[0]} ${parts[1]}`;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw tokenizerError(source, `the merge "${key}" is on line ${earlier} and again on line ${lineNumber}, but each merge has one rank`);
    seen.set(key, lineNumber);
    merges.push([parts[0], parts[1]]);
  });
  if (merges.length === 0) throw tokenizerError(source, 'has no merges after its header');
  return merges;
}

export interface Gpt1BpeOptions {
  sources?: Partial<Gpt1BpeSources>;
}

export class Gpt1BpeTokenizer {
  /** Tokens by id: vocab.json's, plus "<unk>" at the end when vocab.json lacks it. */
  readonly tokens: readonly string[];
  /** The id a piece outside the vocabulary becomes. */
  readonly unk: number;
  /** True when vocab.json had no "<unk>" and it was given the id after the last (GPT-1's own files: id 40,478). */
  readonly unkAppended: boolean;
  private readonly idOf: Map<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();

  constructor(vocabTokens: readonly string[], merges: readonly (readonly [string, string])[], options: Gpt1BpeOptions = {}) {
    const sources = { ...DEFAULT_SOURCES, ...options.sources };
    this.idOf = new Map(vocabTokens.map((token, id) => [token, id]));
    this.ranks = new Map();
    merges.forEach(([a, b], rank) => {
      if (!this.idOf.has(a + b)) {
        throw new DatasetError(
          'tokenizer',
          `${sources.merges} does not match ${sources.vocab}: merge ${rank + 1} ("${a} ${b}") makes "${a + b}", which ${sources.vocab} lacks. ${ADVICE}`,
          sources.merges,
        );
      }
      this.ranks.set(`${a} ${b}`, rank);
    });
    const unk = this.idOf.get(GPT1_UNK);
    this.unkAppended = unk === undefined;
    this.tokens = this.unkAppended ? [...vocabTokens, GPT1_UNK] : [...vocabTokens];
    this.unk = unk ?? vocabTokens.length;
  }

  /** Parses both files; a DatasetError of kind "tokenizer" names the file and the reason when either is wrong or they disagree. */
  static fromFiles(vocabText: string, mergesText: string, options: Gpt1BpeOptions = {}): Gpt1BpeTokenizer {
    const sources = { ...DEFAULT_SOURCES, ...options.sources };
    return new Gpt1BpeTokenizer(parseGpt1Vocab(vocabText, sources.vocab), parseGpt1Merges(mergesText, sources.merges), { sources });
  }

  /** Rows an embedding table needs for every id encode can return. */
  get size(): number {
    return this.tokens.length;
  }

  /** One word's BPE pieces, e.g. "lower" -> ["low", "er</w>"] with merges "l o", "lo w", "e r</w>". */
  bpe(word: string): string[] {
    const symbols = [...word];
    symbols[symbols.length - 1] += END_OF_WORD;
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) return symbols;
      const first = symbols[best];
      const second = symbols[best + 1];
      // Every non-overlapping occurrence, left to right, merges in the same pass.
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] === first && i + 1 < symbols.length && symbols[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(symbols[i]);
      }
      symbols.splice(0, symbols.length, ...merged);
      if (symbols.length === 1) return symbols;
    }
  }

  private encodeWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.bpe(word).map((piece) => this.idOf.get(piece) ?? this.unk);
      this.cache.set(word, ids);
    }
    for (const id of ids) out.push(id);
  }

  /** The ids of a text; appends to `out` when given (so a long stream is encoded piece by piece). */
  encode(text: string, out: number[] = []): number[] {
    const parts = text.split(GPT1_UNK);
    parts.forEach((part, i) => {
      if (i > 0) out.push(this.unk);
      for (const word of basicTokenize(part)) this.encodeWord(word, out);
    });
    return out;
  }

  /** The text of ids: pieces joined, "</w>" read as a space, trimmed. Ids outside the table read as "<unk>". */
  decode(ids: Iterable<number>): string {
    let text = '';
    for (const id of ids) text += this.tokens[id] ?? GPT1_UNK;
    return text.replaceAll(END_OF_WORD, ' ').trim();
  }
}
