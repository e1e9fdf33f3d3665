import { describe, expect, it } from 'vitest';
import { thrownDatasetError } from '../testing/data/dataset-errors';
import { FIXTURE_MERGES, fixtureVocabTokens, mergesText, vocabJson } from '../testing/data/gpt1-bpe-fixtures';
import { basicTokenize, Gpt1BpeTokenizer, parseGpt1Merges, parseGpt1Vocab } from './gpt1-bpe';

const tokenizer = Gpt1BpeTokenizer.fromFiles(vocabJson(fixtureVocabTokens()), mergesText());
/** The pieces a text encodes to, "<unk>" for the unknown id. */
const pieces = (text: string) => tokenizer.encode(text).map((id) => tokenizer.tokens[id]);

describe('basicTokenize', () => {
  it('lower-cases, splits on whitespace and cuts out every punctuation character', () => {
    expect(basicTokenize('  The CAT, sat!\tHere\n')).toEqual(['the', 'cat', ',', 'sat', '!', 'here']);
    expect(basicTokenize("don't $5^2`")).toEqual(['don', "'", 't', '$', '5', '^', '2', '`']);
  });

  it('keeps WikiText markers apart: @-@, @,@ and @.@ become three words each, headings lose nothing', () => {
    expect(basicTokenize(' = Valkyria Chronicles = ')).toEqual(['=', 'valkyria', 'chronicles', '=']);
    expect(basicTokenize('state @-@ of 1 @,@ 000 and 2 @.@ 5')).toEqual([
      'state',
      '@',
      '-',
      '@',
      'of',
      '1',
      '@',
      ',',
      '@',
      '000',
      'and',
      '2',
      '@',
      '.',
      '@',
      '5',
    ]);
  });

  it('strips accents, drops control and format characters, turns other spaces into spaces and spaces out CJK', () => {
    expect(basicTokenize('Café NAÏVE')).toEqual(['cafe', 'naive']);
    expect(basicTokenize('a\u0000b\u200bc\ufffdd e\u00a0f\u3000g')).toEqual(['abcd', 'e', 'f', 'g']);
    expect(basicTokenize('x日本y')).toEqual(['x', '日', '本', 'y']);
  });

  it("does not run text_standardize (only Hugging Face's spaCy path does): dashes and ellipses stay, as punctuation", () => {
    expect(basicTokenize('a—b–c…')).toEqual(['a', '—', 'b', '–', 'c', '…']);
    expect(basicTokenize('----')).toEqual(['-', '-', '-', '-']);
  });
});

describe('Gpt1BpeTokenizer.bpe', () => {
  it('glues </w> to the last symbol and merges the lowest-ranked pair first, wherever it is', () => {
    expect(tokenizer.bpe('the')).toEqual(['the</w>']);
    // "l o" (rank 2) then "lo w" (3) then "e r</w>" (4).
    expect(tokenizer.bpe('lower')).toEqual(['low', 'er</w>']);
    // "e s" (8) before "n e" (10), although "n e" is further left.
    expect(tokenizer.bpe('newest')).toEqual(['new', 'est</w>']);
    expect(tokenizer.bpe('a')).toEqual(['a</w>']);
  });

  it('merges every occurrence of the pair in one pass, but never across the </w> of the last symbol', () => {
    expect(tokenizer.bpe('thth')).toEqual(['th', 't', 'h</w>']);
    expect(tokenizer.bpe('ththe')).toEqual(['th', 'the</w>']);
  });
});

describe('Gpt1BpeTokenizer.encode', () => {
  it('encodes words, punctuation and numbers by their pieces', () => {
    expect(pieces('The cat, the LOWER cat!')).toEqual(['the</w>', 'cat</w>', ',</w>', 'the</w>', 'low', 'er</w>', 'cat</w>', '!</w>']);
    expect(pieces('In 1990 , 3,000')).toEqual(['i', 'n</w>', '19', '9', '0</w>', ',</w>', '3</w>', ',</w>', '0', '0', '0</w>']);
  });

  it('encodes WikiText markers and headings', () => {
    expect(pieces(' = The Cat = \n')).toEqual(['=</w>', 'the</w>', 'cat</w>', '=</w>']);
    expect(pieces('1 @,@ 9 @.@ 5 the @-@ cat')).toEqual([
      '1</w>',
      '@</w>',
      ',</w>',
      '@</w>',
      '9</w>',
      '@</w>',
      '.</w>',
      '@</w>',
      '5</w>',
      'the</w>',
      '@</w>',
      '-</w>',
      '@</w>',
      'cat</w>',
    ]);
  });

  it('gives ids of the vocabulary: base symbols first, each then with </w>, then the merges', () => {
    // "t" is the 20th base symbol (id 38, "t</w>" 39); "the</w>" is merge 2 after the 88 base tokens.
    expect(tokenizer.encode('t the')).toEqual([39, 89]);
  });

  it('maps symbols the vocabulary lacks to <unk>, appended after the last id when vocab.json has none', () => {
    expect(tokenizer.unkAppended).toBe(true);
    expect(tokenizer.size).toBe(fixtureVocabTokens().length + 1);
    expect(tokenizer.unk).toBe(fixtureVocabTokens().length);
    expect(pieces('5€ é 日 a—b')).toEqual(['5', '<unk>', 'e</w>', '<unk>', 'a</w>', '<unk>', 'b</w>']);
    // "5" is base symbol 31: id 62 without </w>.
    expect(tokenizer.encode('5€')).toEqual([62, tokenizer.unk]);
  });

  it("uses vocab.json's own <unk> when it has one, and keeps a literal <unk> whole", () => {
    const withUnk = Gpt1BpeTokenizer.fromFiles(vocabJson(fixtureVocabTokens({ withUnk: true })), mergesText());
    expect(withUnk.unkAppended).toBe(false);
    expect(withUnk.size).toBe(fixtureVocabTokens().length + 1);
    expect(withUnk.encode('the <unk> cat €')).toEqual([89, withUnk.unk, 94, withUnk.unk]);
    // Only the exact text is special: "<UNK>" is "<", "unk", ">" after lower-casing, and "<", ">" are unknown here.
    expect(pieces('a<unk>b <UNK>')).toEqual(['a</w>', '<unk>', 'b</w>', '<unk>', 'u', 'n', 'k</w>', '<unk>']);
  });

  it('gives the same ids for a stream as for its lines one by one (no token crosses whitespace)', () => {
    const lines = [' = The Cat = ', '', ' the lower cat , newest . '];
    const oneByOne: number[] = [];
    for (const line of lines) tokenizer.encode(line, oneByOne);
    expect(tokenizer.encode(lines.join('\n'))).toEqual(oneByOne);
  });
});

describe('Gpt1BpeTokenizer.decode', () => {
  it('joins pieces, reads </w> as a space and trims: the lower-cased, punctuation-spaced text back', () => {
    expect(tokenizer.decode(tokenizer.encode('The newest cat, LOWER!'))).toBe('the newest cat , lower !');
    expect(tokenizer.decode(tokenizer.encode(' = Cat = \n 1 @,@ 000 '))).toBe('= cat = 1 @ , @ 000');
    expect(tokenizer.decode([tokenizer.unk, 5000])).toBe('<unk><unk>');
  });
});

describe('bad tokenizer files', () => {
  const message = (run: () => unknown) => {
    const error = thrownDatasetError(run);
    expect(error.kind).toBe('tokenizer');
    return error.message;
  };

  it('refuses a vocab.json that is not a JSON object of ids 0..n-1, each once', () => {
    expect(message(() => parseGpt1Vocab('{"a": 0,', 'my/vocab.json'))).toMatch(/^my\/vocab\.json: is not valid JSON/);
    expect(message(() => parseGpt1Vocab('["a", "b"]'))).toContain('vocab.json: is not a JSON object from token to id');
    expect(message(() => parseGpt1Vocab('{"a": 0, "b": 2}'))).toContain('token "b" has id 2, but the 2 ids must be the whole numbers 0 to 1');
    expect(message(() => parseGpt1Vocab('{"a": 0, "b": 0, "c": 1}'))).toContain('tokens "a" and "b" both have id 0');
    expect(message(() => parseGpt1Vocab('{"a": "0"}'))).toContain('token "a" has id "0"');
    expect(message(() => parseGpt1Vocab('{}'))).toContain('has no tokens');
  });

  it('refuses a merges.txt without its header, with a line that is not two symbols, or with a merge twice', () => {
    expect(message(() => parseGpt1Merges('t h\nth e\n', 'm.txt'))).toContain('m.txt: its first line is "t h", not the "#version: ..." header');
    expect(message(() => parseGpt1Merges('#version: 0.2\nt h\nt h e\n'))).toContain('line 3 is "t h e", but each merge is two symbols');
    expect(message(() => parseGpt1Merges('#version: 0.2\nt h\nl o\nt h\n'))).toContain('the merge "t h" is on line 2 and again on line 4');
    expect(message(() => parseGpt1Merges('#version: 0.2\n'))).toContain('has no merges after its header');
  });

  it('reads merges as Hugging Face does: CRLF and blank lines are fine, a last line without a newline is not a merge', () => {
    expect(parseGpt1Merges('#version: 0.2\r\nt h\r\n\r\nl o\r\n')).toEqual([
      ['t', 'h'],
      ['l', 'o'],
    ]);
    expect(parseGpt1Merges('#version: 0.2\nt h\nl o')).toEqual([['t', 'h']]);
  });

  it('refuses merges whose result the vocabulary lacks, naming both files', () => {
    const merges = [...FIXTURE_MERGES, ['x', 'y'] as const];
    expect(
      message(() => Gpt1BpeTokenizer.fromFiles(vocabJson(fixtureVocabTokens()), mergesText(merges), { sources: { vocab: 'v.json', merges: 'm.txt' } })),
    ).toContain('m.txt does not match v.json: merge 13 ("x y") makes "xy", which v.json lacks');
  });
});
