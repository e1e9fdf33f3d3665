import { describe, expect, it } from 'vitest';
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

describe('vocabularyOf', () => {
  it('gives ids by position and refuses a list without its special tokens', () => {
    const named = vocabularyOf(['<eos>', 'a', '<unk>'], '<unk>', '<eos>');
    expect(named).toMatchObject({ tokens: ['<eos>', 'a', '<unk>'], unk: 2, eos: 0 });
    expect(named.idOf.get('a')).toBe(1);
    expect(() => vocabularyOf(['<eos>', 'a'], '<unk>', '<eos>')).toThrow('unknown-word token "<unk>"');
    expect(() => vocabularyOf(['<unk>', 'a'], '<unk>', '<eos>')).toThrow('end-of-line token "<eos>"');
  });
});
