// Files for the data tests, written byte by byte here rather than by the readers under test:
// CIFAR-10 batch records, ustar archives and gzip streams. No vitest import, so the Playwright
// specs can build their dataset files with it too.

import { arrayBufferBacked } from '../../data/archive';
import { CIFAR10_RECORD_BYTES } from '../../data/cifar10';

/** Records with the given labels; pixel byte i of record r is pixel(r, i). */
export function cifarBatch(labels: readonly number[], pixel: (record: number, index: number) => number): Uint8Array {
  const bytes = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, record) => {
    const start = record * CIFAR10_RECORD_BYTES;
    bytes[start] = label;
    for (let i = 0; i < CIFAR10_RECORD_BYTES - 1; i++) bytes[start + 1 + i] = pixel(record, i);
  });
  return bytes;
}

export interface TarFixtureEntry {
  name: string;
  data?: Uint8Array;
  /** One character: '0' file, '5' directory, 'x' pax header...; '\0' for an old-style file. */
  typeflag?: string;
  prefix?: string;
  /** "posix" writes "ustar\0" + "00", "gnu" writes "ustar  \0" (the old GNU format). */
  magic?: 'posix' | 'gnu';
  /** Sum the header as signed bytes, as some old writers did. */
  signedChecksum?: boolean;
}

const encoder = new TextEncoder();

function writeField(header: Uint8Array, offset: number, text: string): void {
  header.set(encoder.encode(text), offset);
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0');
}

export function tarHeader(entry: TarFixtureEntry): Uint8Array {
  const header = new Uint8Array(512);
  writeField(header, 0, entry.name);
  writeField(header, 100, `${octal(0o644, 7)}\0`);
  writeField(header, 108, `${octal(0, 7)}\0`);
  writeField(header, 116, `${octal(0, 7)}\0`);
  writeField(header, 124, `${octal(entry.data?.length ?? 0, 11)}\0`);
  writeField(header, 136, `${octal(1_300_000_000, 11)}\0`);
  header[156] = (entry.typeflag ?? '0').charCodeAt(0);
  if ((entry.magic ?? 'posix') === 'posix') {
    writeField(header, 257, 'ustar\u000000');
  } else {
    writeField(header, 257, 'ustar  \0');
  }
  if (entry.prefix) writeField(header, 345, entry.prefix);
  writeField(header, 148, '        ');
  let sum = 0;
  for (const byte of header) sum += entry.signedChecksum && byte >= 128 ? byte - 256 : byte;
  writeField(header, 148, `${octal(sum, 6)}\0 `);
  return header;
}

/** A ustar archive: each header, its data padded to 512 bytes, then two zero blocks unless endBlocks says otherwise. */
export function writeTar(entries: readonly TarFixtureEntry[], endBlocks = 2): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry));
    const data = entry.data ?? new Uint8Array();
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    parts.push(padded);
  }
  parts.push(new Uint8Array(512 * endBlocks));
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(arrayBufferBacked(bytes));
      controller.close();
    },
  });
  const chunks: Uint8Array[] = [];
  const reader = input.pipeThrough(new CompressionStream('gzip')).getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return concat(chunks);
}
