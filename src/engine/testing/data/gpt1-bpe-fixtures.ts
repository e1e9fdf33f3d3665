// A small GPT-1-style tokenizer for tests: every base symbol with and without "</w>", then the
// results of a dozen merges, written as vocab.json and merges.txt are.

const BASE_SYMBOLS = [..."abcdefghijklmnopqrstuvwxyz0123456789.,-@=!'$"];

/** Ranks in order: "t h" is rank 0. Hand-checked encodings in gpt1-bpe.test.ts rely on this order. */
export const FIXTURE_MERGES: readonly (readonly [string, string])[] = [
  ['t', 'h'],
  ['th', 'e</w>'],
  ['l', 'o'],
  ['lo', 'w'],
  ['e', 'r</w>'],
  ['c', 'a'],
  ['ca', 't</w>'],
  ['1', '9'],
  ['e', 's'],
  ['es', 't</w>'],
  ['n', 'e'],
  ['ne', 'w'],
];

/** Tokens by id: the base symbols, each followed by its end-of-word form, then each merge's result. */
export function fixtureVocabTokens({ withUnk = false }: { withUnk?: boolean } = {}): string[] {
  const tokens = BASE_SYMBOLS.flatMap((symbol) => [symbol, `${symbol}</w>`]);
  tokens.push(...FIXTURE_MERGES.map(([a, b]) => a + b));
  if (withUnk) tokens.push('<unk>');
  return tokens;
}

export function vocabJson(tokens: readonly string[]): string {
  return `${JSON.stringify(Object.fromEntries(tokens.map((token, id) => [token, id])), null, 2)}\n`;
}

export function mergesText(merges: readonly (readonly [string, string])[] = FIXTURE_MERGES): string {
  return `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}\n`).join('')}`;
}
