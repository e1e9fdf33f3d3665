import { describe, expect, it } from 'vitest';
import { fixtureVocabTokens, mergesText, vocabJson } from '../testing/data/gpt1-bpe-fixtures';
import { Gpt1BpeTokenizer } from './gpt1-bpe';
import { decodeGenerated, encodePrompt } from './prompt-tokens';
import { buildVocabulary, vocabularyOf } from './wikitext';

// Ids in order of first appearance: the=0, cat=1, sat=2, <eos>=3, on=4, mat=5, <unk>=6.
const vocabulary = buildVocabulary(['the cat sat', 'on the mat']);

describe('prompt tokens', () => {
  it('reads a prompt as the corpus was split, unknown words as the unknown-word token', () => {
    expect(encodePrompt('  the dog\tsat\u00a0on ', vocabulary)).toEqual({ ids: [0, 6, 2, 4], text: 'the <unk> sat on' });
    expect(encodePrompt('', vocabulary)).toEqual({ ids: [], text: '' });
  });

  it('uses the unknown-word token the vocabulary names, wherever it is', () => {
    const named = vocabularyOf(['[UNK]', 'the', '[EOS]', 'cat'], '[UNK]', '[EOS]');
    expect(encodePrompt('the dog', named)).toEqual({ ids: [1, 0], text: 'the [UNK]' });
  });

  it('writes generated ids as words, each end-of-line token as a line break without spaces around it', () => {
    expect(decodeGenerated([1, 2, 3, 4, 0, 5, 3], vocabulary)).toBe('cat sat\non the mat\n');
    expect(decodeGenerated([3, 3, 1], vocabulary)).toBe('\n\ncat');
    expect(decodeGenerated([], vocabulary)).toBe('');
  });
});

describe('prompt tokens with GPT-1 BPE', () => {
  // The fixture's ids: base symbol k at 2k, its end-of-word form at 2k + 1, then the merges' results from 88; "<unk>" appended at 100.
  const tokenizer = Gpt1BpeTokenizer.fromFiles(vocabJson(fixtureVocabTokens()), mergesText());
  const id = (piece: string) => tokenizer.tokens.indexOf(piece);

  it('encodes a prompt as the corpus was encoded: lower-cased, punctuation apart, unknown characters as <unk>', () => {
    const prompt = encodePrompt('  The LOWER cat, #1', tokenizer);
    expect(prompt.ids).toEqual([id('the</w>'), id('low'), id('er</w>'), id('cat</w>'), id(',</w>'), tokenizer.unk, id('1</w>')]);
    expect(tokenizer.unk).toBe(100);
    // What the model reads, decoded back: the pieces joined, "</w>" a space.
    expect(prompt.text).toBe('the lower cat , <unk>1');
    expect(encodePrompt('', tokenizer)).toEqual({ ids: [], text: '' });
  });

  it('decodes generated ids by joining their pieces, a word ending where a piece ends in </w>', () => {
    expect(decodeGenerated([id('low'), id('er</w>'), id('ne'), id('w</w>'), id('19'), id('9</w>')], tokenizer)).toBe('lower new 199');
    expect(decodeGenerated([id('cat</w>'), tokenizer.unk, id('cat</w>')], tokenizer)).toBe('cat <unk>cat');
    expect(decodeGenerated([], tokenizer)).toBe('');
  });
});

describe('vocabularyOf', () => {
  it('gives ids by position and refuses a list without its special tokens', () => {
    const named = vocabularyOf(['<eos>', 'a', '<unk>'], '<unk>', '<eos>');
    expect(named).toMatchObject({ tokens: ['<eos>', 'a', '<unk>'], unk: 2, eos: 0 });
    expect(named.idOf.get('a')).toBe(1);
    expect(() => vocabularyOf(['<eos>', 'a'], '<unk>', '<eos>')).toThrow('unknown-word token "<unk>"');
    expect(() => vocabularyOf(['<unk>', 'a'], '<unk>', '<eos>')).toThrow('end-of-line token "<eos>"');
  });
});
