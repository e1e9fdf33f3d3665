// The command line of `npm run data -- DATASET [options]`, with messages that name the flag at fault.

import { parseArgs } from 'node:util';
import { DATASETS, isDatasetName, type DatasetName } from './datasets';

const { cifar10, wikitext2 } = DATASETS;

/** Where GPT-1 BPE shards of WikiText-2 go by default (configs/gpt1-paper-*.yaml read them there). */
export const GPT1_BPE_DEFAULT_OUT = 'public/data/wikitext2-gpt1';

export const DATA_HELP = `Usage: npm run data -- DATASET [options]

Downloads a dataset (or reads the copy you give with --from), checks it, and writes it as
shards plus a manifest.json that the playground streams from. The page reads
/data/<dataset>/manifest.json when served by \`npm start\`, i.e. public/data/<dataset>/.

Datasets:
  cifar10      CIFAR-10, ${cifar10.archiveName}
               from ${cifar10.url} (MD5 ${cifar10.md5})
  wikitext2    WikiText-2 (v1; word level, or GPT-1 BPE with --tokenizer gpt1), ${wikitext2.archiveName}
               from ${wikitext2.url} (MD5 ${wikitext2.md5})

Options:
  --from PATH          use a local copy instead of downloading:
                         cifar10:   ${cifar10.archiveName}, or a folder with (or the files)
                                    data_batch_1.bin ... data_batch_5.bin and test_batch.bin
                         wikitext2: ${wikitext2.archiveName} (or the raw variant), or a folder
                                    with (or the files) wiki.train.tokens, wiki.valid.tokens
                                    and wiki.test.tokens
                       give --from once per file for loose files
  --out DIR            output folder (default ${cifar10.defaultOut} or ${wikitext2.defaultOut};
                       ${GPT1_BPE_DEFAULT_OUT} with --tokenizer gpt1)
  --shard-records N    records per shard: images for cifar10 (default ${cifar10.defaultShardRecords}),
                       tokens for wikitext2 (default ${wikitext2.defaultShardRecords})
  --url URL            download from this URL instead (a mirror, or a local test server)
  --md5 HEX            expected MD5 of the archive instead of the published one; with --from,
                       the archive is then checked against it too
  --tokenizer NAME     wikitext2 only: word (default, the word-level benchmark) or gpt1
                       (GPT-1's byte-pair encoding, the paper's language-model data)
  --vocab FILE         with --tokenizer gpt1: GPT-1's vocab.json
  --merges FILE        with --tokenizer gpt1: GPT-1's merges.txt (same release as vocab.json);
                       GPT-1 reads text, so give the raw variant wikitext-2-raw-v1.zip (or
                       its wiki.*.raw files) with --from; the default download has <unk>s
  --help               show this text

Output in the --out folder:
  manifest.json        written last, so a run that stops early leaves none behind
  <split>-NNNNN.bin    shards, consecutive byte ranges of a split's record stream:
                         cifar10:   splits train, test; CIFAR-10's own 3073-byte records
                                    (1 label byte, then the 32x32 R, G and B planes)
                         wikitext2: splits train, validation, test; token ids, little-endian
                                    uint16 (uint32 when the vocabulary exceeds 65,536)
  vocab.txt            wikitext2: one token per line, the id being the line number from 0;
                       built from the training split (each line's words, then <eos>), words
                       of the other splits that it lacks read as <unk>
  vocab.json,          wikitext2 --tokenizer gpt1, instead of vocab.txt: copies of the given
  merges.txt           files. Each split is one stream of GPT-1 BPE ids (lower-cased, no
                       end-of-line token); pieces the vocabulary lacks read as <unk>, given
                       the id after vocab.json's last when vocab.json has no <unk>
The manifest also holds each shard's SHA-256, the CIFAR-10 class names and per-channel
mean/std of the training pixels, and where the data came from.

Running it again is safe: shards whose bytes are unchanged are not rewritten, shards the new
manifest does not list are removed. Exit codes: 0 done, 1 error, 2 bad command line.`;

export class UsageError extends Error {}

export interface DataCommand {
  dataset: DatasetName;
  from: string[];
  out: string;
  shardRecords: number;
  url: string;
  md5: string;
  /** The md5 was given with --md5, so --from archives are held to it. */
  md5Given: boolean;
  /** wikitext2 only: word level, or GPT-1's BPE from these files. */
  tokenizer: { name: 'word' } | { name: 'gpt1'; vocab: string; merges: string };
}

export const TOKENIZER_NAMES = ['word', 'gpt1'] as const;

function tokenizerOf(dataset: DatasetName, values: { tokenizer?: string; vocab?: string; merges?: string }): DataCommand['tokenizer'] {
  const name = values.tokenizer ?? 'word';
  if (values.tokenizer !== undefined && dataset !== 'wikitext2') throw new UsageError(`--tokenizer applies to wikitext2 only, not ${dataset}`);
  if (name !== 'word' && name !== 'gpt1') throw new UsageError(`unknown tokenizer "${name}"; use ${TOKENIZER_NAMES.join(' or ')}`);
  if (name === 'word') {
    const stray = (['vocab', 'merges'] as const).find((flag) => values[flag] !== undefined);
    if (stray) throw new UsageError(`--${stray} goes with --tokenizer gpt1; the word-level tokenizer builds its vocabulary from the training split`);
    return { name };
  }
  const missing = (['vocab', 'merges'] as const).filter((flag) => values[flag] === undefined || values[flag] === '');
  if (missing.length > 0) {
    throw new UsageError(
      `--tokenizer gpt1 needs ${missing.map((flag) => `--${flag} FILE`).join(' and ')}: GPT-1's ${missing.map((flag) => (flag === 'vocab' ? 'vocab.json' : 'merges.txt')).join(' and ')}`,
    );
  }
  return { name, vocab: values.vocab!, merges: values.merges! };
}

function positiveWholeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number >= 1, got "${text}"`);
  return value;
}

/** null for --help; throws UsageError on anything else wrong. */
export function parseDataArgs(argv: readonly string[]): DataCommand | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string', multiple: true },
        out: { type: 'string' },
        'shard-records': { type: 'string' },
        url: { type: 'string' },
        md5: { type: 'string' },
        tokenizer: { type: 'string' },
        vocab: { type: 'string' },
        merges: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  const names = Object.keys(DATASETS).join(' or ');
  if (positionals.length === 0) throw new UsageError(`name the dataset to prepare: ${names}`);
  if (positionals.length > 1) throw new UsageError(`one dataset at a time, got ${positionals.map((name) => `"${name}"`).join(', ')}`);
  const name = positionals[0];
  if (!isDatasetName(name)) throw new UsageError(`unknown dataset "${name}"; use ${names}`);
  const spec = DATASETS[name];
  const from = values.from ?? [];
  if (from.length > 0 && values.url !== undefined)
    throw new UsageError('--url and --from exclude each other: --url names where to download from, --from a copy already here');
  if (values.md5 !== undefined && !/^[0-9a-fA-F]{32}$/.test(values.md5)) throw new UsageError(`--md5 must be 32 hex digits, got "${values.md5}"`);
  if (values.url !== undefined && !/^https?:\/\//.test(values.url)) throw new UsageError(`--url must be an http:// or https:// URL, got "${values.url}"`);
  if (values.out === '') throw new UsageError('--out must name a folder');
  const tokenizer = tokenizerOf(name, values);
  return {
    dataset: name,
    from,
    // BPE shards beside the word-level ones, not over them: the paper's configs read this folder.
    out: values.out ?? (tokenizer.name === 'gpt1' ? GPT1_BPE_DEFAULT_OUT : spec.defaultOut),
    shardRecords: values['shard-records'] === undefined ? spec.defaultShardRecords : positiveWholeNumber('--shard-records', values['shard-records']),
    url: values.url ?? spec.url,
    md5: (values.md5 ?? spec.md5).toLowerCase(),
    md5Given: values.md5 !== undefined,
    tokenizer,
  };
}
