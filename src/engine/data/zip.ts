// Zip archives through fflate, with the checks a user-chosen file needs: the bytes must be a
// zip (a gzip or a saved HTML page is named as such), and a damaged or cut-short archive is
// reported as a DatasetError instead of fflate's bare "invalid zip data".

import { unzipSync } from 'fflate';
import { DatasetError } from './dataset-error';

/** "PK\3\4" starts a zip with entries, "PK\5\6" (end of central directory) an empty one. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

const textDecoder = new TextDecoder();

/** What the bytes look like instead, for messages: "a gzip file", "an HTML page"... */
export function describeContent(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty (0 bytes)';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'a gzip file (it starts with the bytes 1f 8b)';
  if (isZip(bytes)) return 'a zip file';
  // A ustar header has "ustar" at byte 257.
  if (bytes.length >= 512 && textDecoder.decode(bytes.subarray(257, 262)) === 'ustar') return 'a tar archive that is not compressed';
  const head = textDecoder.decode(bytes.subarray(0, 64)).trimStart();
  if (head.startsWith('<')) return 'an HTML or XML page (an error page, or a link saved instead of the file?)';
  const hex = [...bytes.subarray(0, 4)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return `something else (it starts with the bytes ${hex})`;
}

/**
 * The regular files of a zip archive as (path inside the archive, bytes); folders are left out.
 * `keep` picks entries by path before they are decompressed, so unwanted large files cost nothing.
 */
export function unzipEntries(bytes: Uint8Array, name: string, keep?: (path: string) => boolean): Map<string, Uint8Array> {
  if (!isZip(bytes)) {
    throw new DatasetError('not-zip', `${name} is not a zip archive: it is ${describeContent(bytes)}. Choose the .zip file exactly as downloaded.`, name);
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (file) => !file.name.endsWith('/') && (keep ? keep(file.name) : true) });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    // fflate says "invalid zip data" when it finds no end-of-central-directory record, which a
    // zip loses first when its download stops early.
    const truncated = reason === 'invalid zip data';
    throw new DatasetError(
      truncated ? 'truncated' : 'corrupt',
      truncated
        ? `${name} starts like a zip archive but has no table of contents at its end (${bytes.length} bytes): it was cut short. Download it again.`
        : `${name} is a damaged zip archive (${reason}). Download it again.`,
      name,
    );
  }
  return new Map(Object.entries(files));
}
