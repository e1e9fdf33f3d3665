// One download with progress, and one place that turns every way a download can fail into a
// DatasetError the page can show as it is. Uses only fetch and Web Crypto, so it runs in a
// page, a Web Worker and Node >= 18 alike.

import { arrayBufferBacked } from '../archive';
import { DatasetError } from '../dataset-error';
import { readToEnd, StreamReadError } from '../read-stream';

export interface FetchBytesOptions {
  /** What the file is, for messages and progress: "cifar10 train shard 2 of 10". */
  label: string;
  /** The size the file must have (from a manifest); fewer bytes is a truncated download. */
  expectedBytes?: number;
  /** `total` is expectedBytes, else the Content-Length, else 0 (unknown) until the body ends. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  /** Extra fetch options, e.g. `cache: 'no-cache'` for a manifest that must be fresh. */
  init?: Omit<RequestInit, 'signal'>;
  fetchImpl?: typeof fetch;
}

const ADVICE_404 = 'Check the URL; if the data is served by this site, run `npm run data` to write it.';
const ADVICE_5XX = 'The server had an error; try again later.';
const ADVICE_OTHER = 'The server refused the request; check the URL and that the host allows downloads from this site.';

function httpAdvice(status: number): string {
  if (status === 404 || status === 410) return ADVICE_404;
  if (status >= 500) return ADVICE_5XX;
  return ADVICE_OTHER;
}

/** Node's fetch says only "fetch failed" and keeps the useful part (ECONNREFUSED...) in `cause`. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

/**
 * Content-Length counts the bytes on the wire; with a Content-Encoding the body decodes to a
 * different size. Cross-origin pages cannot see Content-Encoding unless the host exposes it,
 * so Content-Length is only a fallback for files without an expected size.
 */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const header = response.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header);
}

/** Streams a URL's body into one array, reporting progress; every failure is a DatasetError (an abort stays an AbortError). */
export async function fetchBytes(url: string, options: FetchBytesOptions): Promise<Uint8Array> {
  const { label, expectedBytes, onProgress, signal } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await fetchImpl(url, { ...options.init, signal });
  } catch (error) {
    if (isAbort(error, signal)) throw error;
    // A page cannot tell a CORS refusal from a host that is down: both reject with a bare TypeError.
    throw new DatasetError(
      'network',
      `${label} (${url}): the server could not be reached or refused cross-origin access (${reasonOf(error)}). ` +
        'Check the URL and that the host is up. A host serving data to another site must send the ' +
        "`Access-Control-Allow-Origin` header (CORS); check the host's CORS settings.",
      url,
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new DatasetError('http', `${label} (${url}): ${status}. ${httpAdvice(response.status)}`, url);
  }

  const declared = declaredLength(response);
  const total = expectedBytes ?? declared;
  let bytes: Uint8Array = new Uint8Array(0);
  onProgress?.(0, total ?? 0);
  if (response.body) {
    try {
      bytes = await readToEnd(response.body.getReader(), total ?? 1 << 16, (loaded) => onProgress?.(loaded, total ?? 0));
    } catch (error) {
      const cause = error instanceof StreamReadError ? error.cause : error;
      if (isAbort(cause, signal)) throw cause;
      const of = total === undefined ? '' : ` of ${total}`;
      throw new DatasetError(
        'truncated',
        `${label} (${url}): received ${error instanceof StreamReadError ? error.loaded : 0}${of} bytes before the connection failed (${reasonOf(cause)}); the download was cut short, try again.`,
        url,
      );
    }
  }
  const loaded = bytes.length;
  if (expectedBytes === undefined && declared !== undefined && loaded < declared) {
    throw new DatasetError('truncated', `${label} (${url}): received ${loaded} of ${declared} bytes; the download was cut short, try again.`, url);
  }
  if (expectedBytes !== undefined && loaded < expectedBytes) {
    // The server sent all it announced, so this is the file it holds, not a dropped connection.
    throw new DatasetError(
      'truncated',
      `${label} (${url}): received ${loaded} of ${expectedBytes} bytes. The server sent the whole file it has, so the file on the server is shorter ` +
        'than the manifest says: it was cut short when copied or changed since; try again, and if it persists run `npm run data` again.',
      url,
    );
  }
  if (total === undefined) onProgress?.(loaded, loaded);
  // A compact copy when the buffer grew past the data, so a cached shard holds no slack.
  return loaded === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Lower-case hex SHA-256, as the manifest stores it. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', arrayBufferBacked(bytes)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
