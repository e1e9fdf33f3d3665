// `npm run data`: the whole command as a function of its arguments and output streams, so
// tests run it in-process. Order matters for interruption safety: the old manifest goes
// first, shards and vocab.txt are written (or found unchanged) next, stale files are removed,
// and the new manifest is written last, after it has passed the reader's own validation.

import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../../src/engine/data/manifest';
import { isCifarBatchFile, readCifarInput, writeCifarShards } from './cifar10';
import { DATASETS } from './datasets';
import { loadInput, type DatasetInput } from './inputs';
import { DATA_HELP, parseDataArgs, UsageError, type DataCommand } from './options';
import { emptyWriteStats, removeManifest, removeStaleFiles, writeFileAtomically, type WriteStats } from './out-dir';
import type { TextSink } from './progress';
import { isWikitextFile, readWikitextInput, writeWikitextShards } from './wikitext2';
import { loadGpt1Tokenizer, writeGpt1WikitextShards } from './wikitext2-gpt1';

export interface DataCommandIo {
  stdout: TextSink;
  stderr: TextSink;
  /** The manifest's creation time; the clock unless a test fixes it. */
  now?: () => Date;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

function sourceOf(input: DatasetInput, created: Date): NonNullable<Manifest['source']> {
  const md5 = input.kind === 'archive' ? input.md5 : undefined;
  return { origin: input.origin, ...(md5 ? { md5 } : {}), created: created.toISOString() };
}

/** Where `npm start` serves the folder (vite serves public/ at the site's root), or null when it does not. */
export function servedPath(out: string): string | null {
  const inPublic = relative(resolve('public'), resolve(out));
  if (inPublic.startsWith('..') || isAbsolute(inPublic)) return null;
  return `/${[...inPublic.split(sep).filter(Boolean), MANIFEST_FILE].join('/')}`;
}

function summary(command: DataCommand, manifest: Manifest, stats: WriteStats, removed: readonly string[], notes: readonly string[]): string {
  const noun = DATASETS[command.dataset].recordNoun;
  const lines = [`Done: ${command.dataset} is in ${command.out}`];
  for (const [name, split] of Object.entries(manifest.splits)) {
    lines.push(`  ${name.padEnd(11)}${count(split.records).padStart(12)} ${noun} in ${plural(split.shards.length, 'shard')}`);
  }
  if (manifest.kind === 'tokens') {
    const files = manifest.tokenizer === 'gpt1-bpe' ? `${manifest.vocabulary.file} and ${manifest.merges.file} (GPT-1 BPE)` : manifest.vocabulary.file;
    lines.push(`  vocabulary ${count(manifest.vocabulary.size).padStart(12)} tokens in ${files}, ids stored as ${manifest.dtype}`);
  } else {
    const fixed = (rgb: readonly number[]) => `[${rgb.map((v) => v.toFixed(4)).join(', ')}]`;
    lines.push(`  train pixels: mean ${fixed(manifest.mean)}, std ${fixed(manifest.std)}`);
  }
  lines.push(...notes);
  lines.push(
    `  files: ${count(stats.written.length)} written, ${count(stats.unchanged.length)} already up to date, ${count(removed.length)} stale removed; ${MANIFEST_FILE} written last`,
  );
  const served = servedPath(command.out);
  lines.push(
    served
      ? `Next: run \`npm start\`; the page reads ${served} from there.`
      : `Next: ${command.out} is outside public/, so \`npm start\` does not serve it. Copy it to ${DATASETS[command.dataset].defaultOut}/ (the page reads /data/${command.dataset}/${MANIFEST_FILE}), or serve it from a static host with CORS.`,
  );
  return `${lines.join('\n')}\n`;
}

async function prepare(command: DataCommand, argv: readonly string[], io: DataCommandIo): Promise<void> {
  const spec = DATASETS[command.dataset];
  const out = command.out;
  // The tokenizer files are checked first, so bad ones stop the command before any download.
  const { tokenizer } = command;
  const gpt1 = tokenizer.name === 'gpt1' ? await loadGpt1Tokenizer(tokenizer.vocab, tokenizer.merges) : null;
  await mkdir(out, { recursive: true });
  await removeManifest(out);
  const input = await loadInput({
    spec,
    from: command.from,
    out,
    url: command.url,
    md5: command.md5,
    md5Given: command.md5Given,
    isLooseFile: command.dataset === 'cifar10' ? isCifarBatchFile : isWikitextFile,
    rerun: `npm run data -- ${argv.map(shellQuote).join(' ')}`,
    stdout: io.stdout,
  });
  io.stdout.write(`Checking and writing shards to ${out}\n`);
  const stats = emptyWriteStats();
  const source = sourceOf(input, (io.now ?? (() => new Date()))());
  const notes: string[] = [];
  let manifest: Manifest;
  if (command.dataset === 'cifar10') manifest = await writeCifarShards(out, await readCifarInput(input), command.shardRecords, stats, source);
  else if (gpt1 === null) manifest = await writeWikitextShards(out, readWikitextInput(input), command.shardRecords, stats, source);
  else {
    const written = await writeGpt1WikitextShards(out, readWikitextInput(input), gpt1, command.shardRecords, stats, source);
    manifest = written.manifest;
    const unknown = Object.entries(written.unknown).filter(([, n]) => n > 0);
    if (unknown.length > 0) {
      const where = unknown.map(([split, n]) => `${count(n)} in ${split}`).join(', ');
      notes.push(`  unknown    pieces GPT-1's vocabulary lacks, written as ${manifest.vocabulary.unk} (id ${manifest.vocabulary.unkId}): ${where}`);
    }
  }
  const listed = new Set(Object.values(manifest.splits).flatMap((split) => split.shards.map((shard) => shard.file)));
  if (manifest.kind === 'tokens') listed.add(manifest.vocabulary.file);
  if (manifest.kind === 'tokens' && manifest.tokenizer === 'gpt1-bpe') listed.add(manifest.merges.file);
  const removed = await removeStaleFiles(out, listed);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  parseManifest(text, join(out, MANIFEST_FILE));
  await writeFileAtomically(out, MANIFEST_FILE, text);
  io.stdout.write(summary(command, manifest, stats, removed, notes));
}

/** The exit code: 0 done, 1 the data or the file system failed, 2 a bad command line. */
export async function runDataCommand(argv: readonly string[], io: DataCommandIo): Promise<number> {
  let command: DataCommand | null;
  try {
    command = parseDataArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`error: ${error.message}\nRun \`npm run data -- --help\` for the datasets and options.\n`);
    return 2;
  }
  if (command === null) {
    io.stdout.write(`${DATA_HELP}\n`);
    return 0;
  }
  try {
    await prepare(command, argv, io);
    return 0;
  } catch (error) {
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
