// Unpacking .tar.gz without a library: gunzip through the platform's DecompressionStream
// (Chromium, Firefox, Safari, Web Workers, Node >= 18) and a small ustar reader.

import { DatasetError } from './dataset-error';
import { readToEnd, StreamReadError } from './read-stream';

const GZIP_MAGIC = [0x1f, 0x8b];
const BLOCK = 512;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

// Deflate expands at most 1032-fold, which bounds what a damaged trailer can make us allocate.
const MAX_DEFLATE_RATIO = 1032;

/**
 * The buffer gunzip starts with: the trailer's ISIZE field (the uncompressed length mod 2^32),
 * so a 170 MB archive does not also pass through a list of chunks, within deflate's limit.
 */
export function initialGunzipCapacity(bytes: Uint8Array): number {
  const declared = bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : 0;
  return Math.max(Math.min(declared, bytes.length * MAX_DEFLATE_RATIO), 1 << 16);
}

/** Decompresses a gzip file, refusing one that is not gzip or does not decompress. */
export async function gunzip(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) {
    throw new DatasetError(
      'not-gzip',
      `${fileName} is not a gzip file (it does not start with the bytes 1f 8b); choose the .tar.gz file exactly as downloaded or, if it was already unpacked, the files inside it.`,
      fileName,
    );
  }
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(arrayBufferBacked(bytes));
      controller.close();
    },
  });
  try {
    return await readToEnd(input.pipeThrough(new DecompressionStream('gzip')).getReader(), initialGunzipCapacity(bytes));
  } catch (error) {
    const cause = error instanceof StreamReadError ? error.cause : error;
    throw new DatasetError(
      'corrupt',
      `${fileName} could not be decompressed (${cause instanceof Error ? cause.message : String(cause)}): the file is damaged or cut short; download it again.`,
      fileName,
    );
  }
}

/** Compression streams take only ArrayBuffer-backed views; a SharedArrayBuffer view is copied. */
export function arrayBufferBacked(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export interface TarEntry {
  /** prefix + "/" + name for POSIX ustar headers, else name. */
  path: string;
  /** A view into the archive, not a copy. */
  data: Uint8Array;
}

const textDecoder = new TextDecoder();

function readString(header: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && header[stop] !== 0) stop++;
  return textDecoder.decode(header.subarray(start, stop));
}

/** An octal field, NUL- or space-terminated; null when it is not octal. */
function readOctal(header: Uint8Array, start: number, end: number): number | null {
  const text = readString(header, start, end).trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}

// The checksum is the sum of the header's bytes with the checksum field itself read as eight
// spaces. Some old writers summed signed chars, so that sum is accepted too.
function checksumMatches(header: Uint8Array): boolean {
  const stored = readOctal(header, 148, 156);
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte >= 128 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(header: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (header[i] !== 0) return false;
  return true;
}

/**
 * The regular files of a tar archive (typeflag '0' or NUL); directories, links and extended
 * headers are skipped. Reading stops at the end-of-archive zero block, or at the end of the
 * bytes when they end on a header boundary (a missing file is then reported by the caller).
 */
export function readTar(bytes: Uint8Array, archiveName: string): TarEntry[] {
  const entries: TarEntry[] = [];
  const redownload = `download ${archiveName} again.`;
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + BLOCK > bytes.length) {
      const message =
        offset === 0
          ? `${archiveName} does not contain a tar archive (it unpacks to ${bytes.length} bytes, less than one 512-byte tar header); choose the CIFAR-10 binary archive, cifar-10-binary.tar.gz.`
          : `${archiveName} is cut short: it ends ${bytes.length - offset} bytes into a tar header; ${redownload}`;
      throw new DatasetError(offset === 0 ? 'not-tar' : 'truncated', message, archiveName);
    }
    const header = bytes.subarray(offset, offset + BLOCK);
    if (isZeroBlock(header)) break;
    if (!checksumMatches(header)) {
      const message =
        offset === 0
          ? `${archiveName} does not contain a tar archive (its first header has no valid checksum); choose the CIFAR-10 binary archive, cifar-10-binary.tar.gz.`
          : `${archiveName} has a damaged tar header at byte ${offset} of the unpacked archive (bad checksum); ${redownload}`;
      throw new DatasetError('not-tar', message, archiveName);
    }
    const name = readString(header, 0, 100);
    const size = readOctal(header, 124, 136);
    if (size === null) {
      throw new DatasetError('not-tar', `${archiveName} has a tar header for "${name}" whose size field is not an octal number; ${redownload}`, archiveName);
    }
    // Only POSIX ustar ("ustar\0") keeps a path prefix at 345; the old GNU format ("ustar  \0") stores times there.
    const posix = readString(header, 257, 263) === 'ustar';
    const prefix = posix ? readString(header, 345, 500) : '';
    const path = prefix ? `${prefix}/${name}` : name;
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new DatasetError(
        'truncated',
        `${archiveName} is cut short: "${path}" needs ${size} bytes but only ${bytes.length - dataStart} remain; ${redownload}`,
        archiveName,
      );
    }
    const typeflag = header[156];
    if (typeflag === 0x30 || typeflag === 0) entries.push({ path, data: bytes.subarray(dataStart, dataStart + size) });
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
