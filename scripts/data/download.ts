// Downloads an archive with Node's fetch, streaming it to a file while hashing it, so a
// 170 MB archive never has to fit in memory twice and a dropped connection is caught.

import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { DatasetError } from '../../src/engine/data/dataset-error';
import { createProgress, formatBytes, type TextSink } from './progress';

export interface DownloadOptions {
  url: string;
  /** Where the bytes go; removed again when the download fails midway. */
  path: string;
  expectedMd5: string;
  /** Shown before the progress figures. */
  label: string;
  /** What to run again, for messages. */
  rerun: string;
  sink: TextSink;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici puts the socket's own error (ECONNREFUSED, "other side closed"...) in cause.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? `${error.message}: ${cause.message}` : error.message;
}

/** Returns the MD5 of what was downloaded, which matched expectedMd5. */
export async function downloadArchive({ url, path, expectedMd5, label, rerun, sink }: DownloadOptions): Promise<string> {
  let response: Response;
  try {
    // Asking for the bytes as stored: fetch would silently undo a Content-Encoding, changing the MD5.
    response = await fetch(url, { redirect: 'follow', headers: { 'Accept-Encoding': 'identity' } });
  } catch (error) {
    throw new DatasetError(
      'network',
      `Could not reach ${url} (${reasonOf(error)}). Check the internet connection or proxy and run \`${rerun}\` again, or download the file yourself and pass it with --from.`,
      url,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DatasetError(
      'http',
      `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} instead of the file. If the address has moved, download the file yourself and pass it with --from (or give the new address with --url).`,
      url,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  // A Content-Length counts encoded bytes, which fetch has decoded by the time we count them.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = Number.isSafeInteger(declared) && declared > 0 && !encoded ? declared : undefined;
  const progress = createProgress(sink, label, total);
  const hash = createHash('md5');
  const file = await open(path, 'w');
  let received = 0;
  let failure: string | undefined;
  try {
    const reader = response.body.getReader();
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        failure = reasonOf(error);
        break;
      }
      if (chunk.done) break;
      hash.update(chunk.value);
      await file.write(chunk.value);
      received += chunk.value.length;
      progress.update(received);
    }
  } finally {
    await file.close();
  }
  if (failure === undefined && total !== undefined && received !== total) failure = `the server announced ${total} bytes but sent ${received}`;
  if (failure !== undefined) {
    progress.abandon();
    await rm(path, { force: true });
    throw new DatasetError(
      'truncated',
      `The download of ${url} was interrupted after ${formatBytes(received)}${total ? ` of ${formatBytes(total)}` : ''} (${failure}), so the file is truncated. No manifest was written; run \`${rerun}\` again.`,
      url,
    );
  }
  progress.done(received);
  const md5 = hash.digest('hex');
  if (md5 !== expectedMd5) {
    throw new DatasetError(
      'hash',
      `The file downloaded from ${url} has MD5 ${md5}, but the expected MD5 is ${expectedMd5}: the download is damaged or is not the official file. ` +
        `Delete ${path} and run \`${rerun}\` again; if that fails too, download the file yourself and pass it with --from.`,
      url,
    );
  }
  return md5;
}
