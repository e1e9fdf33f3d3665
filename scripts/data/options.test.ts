import { describe, expect, it } from 'vitest';
import { DATA_HELP, parseDataArgs, UsageError } from './options';

describe('parseDataArgs', () => {
  it('uses each dataset’s defaults', () => {
    expect(parseDataArgs(['cifar10'])).toEqual({
      dataset: 'cifar10',
      from: [],
      out: 'public/data/cifar10',
      shardRecords: 5000,
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      md5: 'c32a1d4ab5d03f1284b67883e8d87530',
      md5Given: false,
      tokenizer: { name: 'word' },
    });
    expect(parseDataArgs(['wikitext2'])).toEqual({
      dataset: 'wikitext2',
      from: [],
      out: 'public/data/wikitext2',
      shardRecords: 524_288,
      url: 'https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip',
      md5: '542ccefacc6c27f945fb54453812b3cd',
      md5Given: false,
      tokenizer: { name: 'word' },
    });
  });

  it('reads every option; --from may repeat', () => {
    expect(
      parseDataArgs([
        'wikitext2',
        '--from',
        'a/wiki.train.tokens',
        '--from',
        'b',
        '--out',
        'o',
        '--shard-records',
        '7',
        '--md5',
        'ABCDEF0123456789abcdef0123456789',
      ]),
    ).toEqual({
      dataset: 'wikitext2',
      from: ['a/wiki.train.tokens', 'b'],
      out: 'o',
      shardRecords: 7,
      url: 'https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip',
      md5: 'abcdef0123456789abcdef0123456789',
      md5Given: true,
      tokenizer: { name: 'word' },
    });
    expect(parseDataArgs(['--url', 'http://127.0.0.1:9/x.tar.gz', 'cifar10'])?.url).toBe('http://127.0.0.1:9/x.tar.gz');
  });

  it('reads --tokenizer gpt1 with its two files, and word as the default', () => {
    expect(parseDataArgs(['wikitext2', '--tokenizer', 'gpt1', '--vocab', 'v.json', '--merges', 'm.txt'])?.tokenizer).toEqual({
      name: 'gpt1',
      vocab: 'v.json',
      merges: 'm.txt',
    });
    expect(parseDataArgs(['wikitext2', '--tokenizer', 'word'])?.tokenizer).toEqual({ name: 'word' });
  });

  it('returns null for --help', () => {
    expect(parseDataArgs(['--help'])).toBeNull();
    expect(parseDataArgs(['cifar10', '--help'])).toBeNull();
  });

  it.each([
    [[], /name the dataset to prepare: cifar10 or wikitext2/],
    [['mnist'], /unknown dataset "mnist"; use cifar10 or wikitext2/],
    [['cifar10', 'wikitext2'], /one dataset at a time, got "cifar10", "wikitext2"/],
    [['cifar10', '--fast'], /^unknown option --fast$/],
    [['cifar10', '--shard-records', '0'], /--shard-records must be a whole number >= 1, got "0"/],
    [['cifar10', '--shard-records', '2.5'], /--shard-records must be a whole number >= 1, got "2\.5"/],
    [['cifar10', '--md5', 'abc'], /--md5 must be 32 hex digits, got "abc"/],
    [['cifar10', '--url', 'ftp://x'], /--url must be an http:\/\/ or https:\/\/ URL/],
    [['cifar10', '--url', 'http://x/a', '--from', 'a'], /--url and --from exclude each other/],
    [['cifar10', '--out', ''], /--out must name a folder/],
    [['cifar10', '--tokenizer', 'gpt1'], /--tokenizer applies to wikitext2 only, not cifar10/],
    [['wikitext2', '--tokenizer', 'gpt2'], /unknown tokenizer "gpt2"; use word or gpt1/],
    [['wikitext2', '--tokenizer', 'gpt1'], /--tokenizer gpt1 needs --vocab FILE and --merges FILE: GPT-1's vocab.json and merges.txt/],
    [['wikitext2', '--tokenizer', 'gpt1', '--vocab', 'v.json'], /--tokenizer gpt1 needs --merges FILE: GPT-1's merges.txt$/],
    [['wikitext2', '--merges', 'm.txt'], /--merges goes with --tokenizer gpt1/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDataArgs(argv)).toThrow(UsageError);
    expect(() => parseDataArgs(argv)).toThrow(message);
  });
});

describe('DATA_HELP', () => {
  it('lists the datasets, options, output formats and defaults', () => {
    for (const text of [
      'cifar10',
      'wikitext2',
      '--from',
      '--out',
      '--shard-records',
      '--url',
      '--md5',
      '--tokenizer',
      '--vocab FILE',
      '--merges FILE',
      'vocab.json',
      '--help',
      'default public/data/cifar10 or public/data/wikitext2',
      'default 5000',
      'default 524288',
      'c32a1d4ab5d03f1284b67883e8d87530',
      '542ccefacc6c27f945fb54453812b3cd',
      'manifest.json',
      '<split>-NNNNN.bin',
      '3073-byte records',
      'uint16',
      'vocab.txt',
      '/data/<dataset>/manifest.json',
      'npm start',
    ]) {
      expect(DATA_HELP).toContain(text);
    }
  });
});
