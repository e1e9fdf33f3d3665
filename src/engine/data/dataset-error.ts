// One error type for every way a dataset can be wrong or unreachable, so the page and the
// command line can show the message as it is and tests can check the kind.

export type DatasetErrorKind =
  | 'empty'
  | 'truncated'
  | 'label'
  | 'not-gzip'
  | 'corrupt'
  | 'not-tar'
  | 'not-zip'
  | 'missing-files'
  | 'ambiguous-files'
  | 'shape'
  | 'too-small'
  /** The manifest is not valid JSON or does not follow the manifest schema. */
  | 'manifest'
  /** A shard's size is not a whole number of records, or differs from the manifest. */
  | 'record-size'
  /** A shard's SHA-256 differs from the manifest's (or an archive's checksum from the published one). */
  | 'hash'
  /** The server answered with an HTTP error status. */
  | 'http'
  /** The request never got an answer: offline, refused, or blocked by CORS. */
  | 'network'
  /** The host answered a byte-range request with the whole file: it does not support range requests. */
  | 'no-range'
  /** A parquet file that cannot be read, or lacks the expected columns. */
  | 'parquet'
  /** Tokenizer files (vocab.json, merges.txt) that do not parse or do not match each other. */
  | 'tokenizer';

export class DatasetError extends Error {
  constructor(
    readonly kind: DatasetErrorKind,
    message: string,
    /** The file or URL the problem is about, when there is one. */
    readonly fileName?: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}
