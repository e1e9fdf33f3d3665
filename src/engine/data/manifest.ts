// The shard manifest: what `npm run data` writes next to the shards and what the streaming
// reader checks before it fetches anything. One schema serves both, so a manifest the
// command line writes is always one the browser accepts.
//
// Layout on disk (or on any static host):
//   manifest.json            this file
//   <split>-<nnnnn>.bin      shards, byte ranges of the dataset's record stream
//   vocab.txt                token datasets only: one token per line, id = line number

import { z } from 'zod';
import { CIFAR10_RECORD_BYTES } from './cifar10';
import { DatasetError } from './dataset-error';

export const MANIFEST_FORMAT = 'adafisher-playground-shards';
export const MANIFEST_VERSION = 1;
/** The manifest's file name, next to its shards. */
export const MANIFEST_FILE = 'manifest.json';

export const TOKEN_DTYPE_BYTES = { uint16: 2, uint32: 4 } as const;
export type TokenDtype = keyof typeof TOKEN_DTYPE_BYTES;

const positiveInt = z.number().int('must be a whole number').positive('must be > 0');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (a SHA-256)');
/** A path relative to the manifest: no scheme, no leading slash, no "..". */
const relativeFile = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'must be a relative path of letters, digits, ".", "_", "-" and "/"');

export const shardSchema = z.strictObject({
  file: relativeFile,
  /** Records in this shard (images, or tokens for a token dataset). */
  records: positiveInt,
  bytes: positiveInt,
  sha256,
});

export const splitSchema = z.strictObject({
  records: positiveInt,
  shards: z.array(shardSchema).min(1, 'needs at least one shard'),
});

const provenanceSchema = z.strictObject({
  /** Where the data came from: a URL, or the name of the file given with --from. */
  origin: z.string(),
  /** Checksum of the original archive when one was published and checked. */
  md5: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  created: z.string().optional(),
});

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const imageManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  kind: z.literal('images'),
  dataset: z.string().min(1),
  record: z.strictObject({ layout: z.literal('cifar10-binary'), bytes: z.literal(CIFAR10_RECORD_BYTES) }),
  classes: z.array(z.string().min(1)).min(2, 'needs at least 2 classes').max(256, 'at most 256 classes (labels are one byte)'),
  /** Per-channel mean and standard deviation of the training pixels scaled to [0, 1]. */
  mean: rgb,
  std: rgb,
  splits: z.strictObject({ train: splitSchema, test: splitSchema }),
  source: provenanceSchema.optional(),
});

export const tokenManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  kind: z.literal('tokens'),
  /** Word level (vocab.txt) when absent, as every manifest before GPT-1's BPE was. */
  tokenizer: z.literal('word').optional(),
  dataset: z.string().min(1),
  /** Token ids, little-endian; uint16 whenever the vocabulary has at most 65,536 entries. */
  dtype: z.enum(['uint16', 'uint32']),
  vocabulary: z.strictObject({
    file: relativeFile,
    size: positiveInt,
    bytes: positiveInt,
    sha256,
    /** The token out-of-vocabulary words map to. */
    unk: z.string().min(1),
    /** The token appended at the end of every line. */
    eos: z.string().min(1),
  }),
  splits: z.strictObject({ train: splitSchema, validation: splitSchema, test: splitSchema }),
  source: provenanceSchema.optional(),
});

const tokenizerFileSchema = z.strictObject({ file: relativeFile, bytes: positiveInt, sha256 });

/** Token ids of GPT-1's byte-pair encoding; its vocab.json and merges.txt lie next to the shards. */
export const gpt1BpeManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  kind: z.literal('tokens'),
  tokenizer: z.literal('gpt1-bpe'),
  dataset: z.string().min(1),
  dtype: z.enum(['uint16', 'uint32']),
  vocabulary: z.strictObject({
    /** vocab.json, as given. */
    file: relativeFile,
    bytes: positiveInt,
    sha256,
    /** Ids run from 0 to size - 1: vocab.json's tokens, plus one for "<unk>" when vocab.json lacks it. */
    size: positiveInt,
    /** The token pieces outside the vocabulary map to, and its id. */
    unk: z.string().min(1),
    unkId: z.number().int().nonnegative(),
  }),
  /** merges.txt, as given. */
  merges: tokenizerFileSchema,
  splits: z.strictObject({ train: splitSchema, validation: splitSchema, test: splitSchema }),
  source: provenanceSchema.optional(),
});

export const manifestSchema = z.discriminatedUnion('kind', [
  imageManifestSchema,
  z.discriminatedUnion('tokenizer', [tokenManifestSchema, gpt1BpeManifestSchema]),
]);

export type ShardEntry = z.infer<typeof shardSchema>;
export type SplitEntry = z.infer<typeof splitSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;
/** A word-level token manifest (vocab.txt). */
export type TokenManifest = z.infer<typeof tokenManifestSchema>;
export type Gpt1BpeManifest = z.infer<typeof gpt1BpeManifestSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

export function recordBytes(manifest: Manifest): number {
  return manifest.kind === 'images' ? manifest.record.bytes : TOKEN_DTYPE_BYTES[manifest.dtype];
}

/** Little-endian ids of the given width, whatever the machine's byte order. */
export function tokenBytes(ids: Uint32Array, dtype: TokenDtype): Uint8Array {
  const width = TOKEN_DTYPE_BYTES[dtype];
  const bytes = new Uint8Array(ids.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ids.length; i++) {
    if (width === 2) view.setUint16(i * 2, ids[i], true);
    else view.setUint32(i * 4, ids[i], true);
  }
  return bytes;
}

/** The smallest dtype that holds every id of a vocabulary of this size. */
export function tokenDtypeFor(vocabularySize: number): TokenDtype {
  return vocabularySize <= 0x10000 ? 'uint16' : 'uint32';
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.length
    ? path
        .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
        .join('')
        .replace(/^\./, '')
    : '(top level)';
}

/** Counts and sizes must add up; the schema alone cannot say so. */
function consistencyProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  const size = recordBytes(manifest);
  const files = new Set<string>();
  for (const [name, split] of Object.entries(manifest.splits) as [string, SplitEntry][]) {
    const total = split.shards.reduce((sum, shard) => sum + shard.records, 0);
    if (total !== split.records) problems.push(`splits.${name}.records: is ${split.records} but its shards hold ${total}`);
    split.shards.forEach((shard, i) => {
      if (shard.bytes !== shard.records * size) {
        problems.push(`splits.${name}.shards[${i}].bytes: is ${shard.bytes}, but ${shard.records} records of ${size} bytes take ${shard.records * size}`);
      }
      if (files.has(shard.file)) problems.push(`splits.${name}.shards[${i}].file: ${shard.file} is listed twice`);
      files.add(shard.file);
    });
  }
  return problems;
}

/**
 * Parses a manifest's text; a DatasetError of kind "manifest" lists every problem with its
 * path, so a hand-edited or half-written manifest is refused before any shard is fetched.
 */
export function parseManifest(text: string, source: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError('manifest', `${source} is not valid JSON (${reason}). Write it again with \`npm run data\`.`, source);
  }
  if (typeof json === 'object' && json !== null && (json as { format?: unknown }).format !== MANIFEST_FORMAT) {
    throw new DatasetError(
      'manifest',
      `${source} is not a shard manifest: its "format" is ${JSON.stringify((json as { format?: unknown }).format)}, expected "${MANIFEST_FORMAT}". Point the playground at a manifest.json written by \`npm run data\`.`,
      source,
    );
  }
  const result = manifestSchema.safeParse(json);
  const problems = result.success ? consistencyProblems(result.data) : result.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
  if (problems.length > 0 || !result.success) {
    throw new DatasetError('manifest', `${source} is malformed:\n${problems.map((p) => `  - ${p}`).join('\n')}\nWrite it again with \`npm run data\`.`, source);
  }
  return result.data;
}
