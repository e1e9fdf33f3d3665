import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { thrownDatasetError } from '../testing/data/dataset-errors';
import { gzip } from '../testing/data/file-fixtures';
import { buildVocabulary, lineWords, parseVocabularyText, readWikitextArchive, readWikitextFiles, splitLines, tokenizeLines, vocabularyText } from './wikitext';

// Shaped like wiki.train.tokens: spaces around every token, blank " " lines, <unk> already in place.
const TRAIN = ' = Valkyria = \n \n the cat sat . \n the <unk> sat . \n';
const VALID = ' the dog sat . \n';
const TEST = ' = cat = \n';

describe('splitLines', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, and drops the empty piece after a final newline', () => {
    expect(splitLines('a\r\nb\rc\n')).toEqual(['a', 'b', 'c']);
    expect(splitLines('a\n\nb')).toEqual(['a', '', 'b']);
    expect(splitLines('a\n\n')).toEqual(['a', '']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('lineWords', () => {
  it("splits on Python's whitespace: tabs, no-break spaces, but not a byte-order mark", () => {
    expect(lineWords('  a\u00a0b\tc\ufeffd \u3000e\x1ff\x85g  ')).toEqual(['a', 'b', 'c\ufeffd', 'e', 'f', 'g']);
    expect(lineWords(' ')).toEqual([]);
  });
});

describe('buildVocabulary and tokenizeLines', () => {
  const train = splitLines(TRAIN);
  const vocabulary = buildVocabulary(train);

  it('numbers tokens in order of first appearance, each line ending in <eos>', () => {
    expect(vocabulary.tokens).toEqual(['=', 'Valkyria', '<eos>', 'the', 'cat', 'sat', '.', '<unk>']);
    expect(vocabulary.eos).toBe(2);
    expect(vocabulary.unk).toBe(7);
    expect(vocabulary.idOf.get('sat')).toBe(5);
    expect([...tokenizeLines(train, vocabulary)]).toEqual([0, 1, 0, 2, 2, 3, 4, 5, 6, 2, 3, 7, 5, 6, 2]);
  });

  it('maps words the training split lacks to <unk>', () => {
    expect([...tokenizeLines(splitLines(VALID), vocabulary)]).toEqual([3, 7, 5, 6, 2]);
    expect([...tokenizeLines(splitLines(TEST), vocabulary)]).toEqual([0, 4, 0, 2]);
  });

  it('adds <unk> after the words when the text has none (the raw variant), and honours other names', () => {
    const raw = buildVocabulary(['b a b', 'c'], { unk: '[UNK]', eos: '[EOS]' });
    expect(raw.tokens).toEqual(['b', 'a', '[EOS]', 'c', '[UNK]']);
    expect([raw.unk, raw.eos]).toEqual([4, 2]);
    expect([...tokenizeLines(['a z', ''], raw)]).toEqual([1, 4, 2, 2]);
    expect(buildVocabulary([]).tokens).toEqual(['<eos>', '<unk>']);
  });

  it('tokenizes past the first buffer size', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => (i % 2 ? 'cat' : 'the'));
    const ids = tokenizeLines(many, vocabulary);
    expect(ids.length).toBe(140_000);
    expect([...ids.subarray(139_996)]).toEqual([3, 2, 4, 2]);
  });
});

describe('vocabulary text', () => {
  const vocabulary = buildVocabulary(splitLines(TRAIN));

  it('writes one token per line and reads it back with the same ids', () => {
    const text = vocabularyText(vocabulary);
    expect(text).toBe('=\nValkyria\n<eos>\nthe\ncat\nsat\n.\n<unk>\n');
    const parsed = parseVocabularyText(text, '<unk>', '<eos>');
    expect(parsed.tokens).toEqual(vocabulary.tokens);
    expect([parsed.unk, parsed.eos, parsed.idOf.get('cat')]).toEqual([7, 2, 4]);
    expect(parseVocabularyText(text.replace(/\n/g, '\r\n'), '<unk>', '<eos>').tokens).toEqual(vocabulary.tokens);
  });

  it.each([
    ['a\n<unk>\na\n<eos>\n', /vocab\.txt: "a" is on line 1 and again on line 3/],
    ['a\n\n<unk>\n<eos>\n', /vocab\.txt: line 2 is empty/],
    ['a\n<eos>\n', /vocab\.txt has no line "<unk>", which the manifest names as its unknown-word token/],
    ['a\n<unk>\n', /vocab\.txt has no line "<eos>", which the manifest names as its end-of-line token/],
    ['a\n', /no line "<unk>" or "<eos>"/],
  ])('refuses %j as a manifest problem', (text, message) => {
    const error = thrownDatasetError(() => parseVocabularyText(text, '<unk>', '<eos>'));
    expect(error.kind).toBe('manifest');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('Write it again with `npm run data -- wikitext2`');
  });
});

describe('readWikitextArchive and readWikitextFiles', () => {
  const files = { 'wiki.train.tokens': strToU8(TRAIN), 'wiki.valid.tokens': strToU8(VALID), 'wiki.test.tokens': strToU8(TEST) };

  it('reads the three splits from wikitext-2/ in the official zip', () => {
    const archive = zipSync({ ...Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`wikitext-2/${name}`, bytes])) });
    expect(readWikitextArchive(archive)).toEqual({ train: splitLines(TRAIN), validation: [' the dog sat . '], test: [' = cat = '] });
  });

  it('reads the raw variant from any folder', () => {
    const archive = zipSync({
      'a/b/wiki.train.raw': strToU8('x y\n'),
      'a/b/wiki.valid.raw': strToU8('y\n'),
      'wiki.test.raw': strToU8('z\n'),
      README: strToU8('r'),
    });
    expect(readWikitextArchive(archive)).toEqual({ train: ['x y'], validation: ['y'], test: ['z'] });
  });

  it('reads loose files by base name', () => {
    const loose = new Map(Object.entries(files).map(([name, bytes]) => [`/data/wikitext-2/${name}`, bytes]));
    expect(readWikitextFiles(loose).validation).toEqual([' the dog sat . ']);
  });

  it('names the missing split files', () => {
    const error = thrownDatasetError(() => readWikitextArchive(zipSync({ 'w/wiki.train.tokens': files['wiki.train.tokens'] }), 'mine.zip'));
    expect(error.kind).toBe('missing-files');
    expect(error.message).toMatch(
      /^wiki\.valid\.tokens and wiki\.test\.tokens are missing from mine\.zip\. WikiText needs wiki\.train\.tokens, wiki\.valid\.tokens and wiki\.test\.tokens; download wikitext-2-v1\.zip/,
    );
    const rawError = thrownDatasetError(() =>
      readWikitextFiles(
        new Map([
          ['wiki.train.raw', strToU8('a')],
          ['wiki.valid.raw', strToU8('a')],
        ]),
      ),
    );
    expect(rawError.message).toMatch(/^wiki\.test\.raw is missing from the chosen files/);
  });

  it('refuses two copies of a file, and tokens mixed with raw files', () => {
    const twice = thrownDatasetError(() =>
      readWikitextFiles(
        new Map([
          ['a/wiki.test.tokens', strToU8('')],
          ['b/wiki.test.tokens', strToU8('')],
        ]),
      ),
    );
    expect(twice.kind).toBe('ambiguous-files');
    expect(twice.message).toContain('wiki.test.tokens appears twice in the chosen files, as "a/wiki.test.tokens" and "b/wiki.test.tokens"');
    const mixed = thrownDatasetError(() =>
      readWikitextFiles(
        new Map([
          ['wiki.test.tokens', strToU8('')],
          ['wiki.train.raw', strToU8('')],
        ]),
      ),
    );
    expect(mixed.kind).toBe('ambiguous-files');
    expect(mixed.message).toContain('holds both the tokenized files (wiki.*.tokens) and the raw ones (wiki.*.raw)');
  });

  it('refuses a file that is not UTF-8 text', () => {
    const error = thrownDatasetError(() => readWikitextFiles(new Map([...Object.entries(files), ['wiki.valid.tokens', new Uint8Array([0x61, 0xff, 0x0a])]])));
    expect(error.kind).toBe('corrupt');
    expect(error.message).toMatch(/^wiki\.valid\.tokens is not UTF-8 text/);
  });

  it('refuses a gzip given as the archive', async () => {
    const gzipped = await gzip(strToU8(TRAIN));
    const error = thrownDatasetError(() => readWikitextArchive(gzipped, 'wikitext-2-v1.zip'));
    expect(error.kind).toBe('not-zip');
    expect(error.message).toContain('wikitext-2-v1.zip is not a zip archive: it is a gzip file');
  });
});
