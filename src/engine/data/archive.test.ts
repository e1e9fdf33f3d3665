import { describe, expect, it } from 'vitest';
import { gunzip, initialGunzipCapacity, isGzip, readTar } from './archive';
import { DatasetError } from './dataset-error';
import { thrownDatasetError } from '../testing/data/dataset-errors';
import { concat, gzip, tarHeader, writeTar } from '../testing/data/file-fixtures';

const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('readTar', () => {
  it('returns regular files with their data, skipping directories, links and pax headers', () => {
    const tar = writeTar([
      { name: 'dir/', typeflag: '5' },
      // A pax header with data: skipping it must also skip its data blocks.
      { name: 'PaxHeader/a', typeflag: 'x', data: bytesOf('30 path=ignored/by/this/reader\n') },
      { name: 'dir/a.txt', data: bytesOf('alpha') },
      { name: 'dir/link', typeflag: '2' },
      { name: 'old-style', typeflag: '\0', data: bytesOf('v7 file') },
      { name: 'dir/b.bin', data: new Uint8Array(1300).map((_, i) => i & 0xff) },
      { name: 'dir/empty' },
    ]);
    const entries = readTar(tar, 'test.tar');
    expect(entries.map((entry) => entry.path)).toEqual(['dir/a.txt', 'old-style', 'dir/b.bin', 'dir/empty']);
    expect(textOf(entries[0].data)).toBe('alpha');
    expect(textOf(entries[1].data)).toBe('v7 file');
    expect(entries[2].data.length).toBe(1300);
    expect(entries[2].data[1299]).toBe(1299 & 0xff);
    expect(entries[3].data.length).toBe(0);
  });

  it('joins the POSIX prefix to the name, and ignores that field in the old GNU format', () => {
    const posix = readTar(writeTar([{ name: 'data_batch_1.bin', prefix: 'deep/folder', data: bytesOf('x') }]), 't.tar');
    expect(posix[0].path).toBe('deep/folder/data_batch_1.bin');
    const gnu = readTar(writeTar([{ name: 'data_batch_1.bin', prefix: '14000000000', magic: 'gnu', data: bytesOf('x') }]), 't.tar');
    expect(gnu[0].path).toBe('data_batch_1.bin');
  });

  it('accepts a checksum summed over signed bytes', () => {
    const entries = readTar(writeTar([{ name: 'café.bin', data: bytesOf('1'), signedChecksum: true }]), 't.tar');
    expect(entries[0].path).toBe('café.bin');
  });

  it('stops at the first zero block, or at the end of the bytes on a header boundary', () => {
    const withTrailer = concat([writeTar([{ name: 'a', data: bytesOf('a') }]), tarHeader({ name: 'after-the-end' })]);
    expect(readTar(withTrailer, 't.tar').map((entry) => entry.path)).toEqual(['a']);
    const unterminated = writeTar([{ name: 'a', data: bytesOf('a') }], 0);
    expect(readTar(unterminated, 't.tar').map((entry) => entry.path)).toEqual(['a']);
    expect(readTar(new Uint8Array(), 't.tar')).toEqual([]);
  });

  it('refuses bytes that are not tar', () => {
    const text = thrownDatasetError(() => readTar(bytesOf('hello '.repeat(200)), 'notes.tar'));
    expect(text.kind).toBe('not-tar');
    expect(text.message).toContain('notes.tar does not contain a tar archive (its first header has no valid checksum)');
    const short = thrownDatasetError(() => readTar(bytesOf('hello'), 'short.tar'));
    expect(short.message).toContain('it unpacks to 5 bytes, less than one 512-byte tar header');
  });

  it('refuses a header with a wrong checksum after the first', () => {
    const tar = writeTar([
      { name: 'a', data: bytesOf('a') },
      { name: 'b', data: bytesOf('b') },
    ]);
    tar[1024 + 124 + 10] = '7'.charCodeAt(0);
    const error = thrownDatasetError(() => readTar(tar, 'two.tar'));
    expect(error.kind).toBe('not-tar');
    expect(error.message).toContain('two.tar has a damaged tar header at byte 1024 of the unpacked archive (bad checksum)');
  });

  it('refuses a size field that is not octal', () => {
    const header = tarHeader({ name: 'a', data: new Uint8Array(10) });
    header.set(bytesOf('0000000009x'), 124);
    // Recompute the checksum so only the size is wrong.
    header.set(bytesOf('        '), 148);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.set(bytesOf(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    const error = thrownDatasetError(() => readTar(concat([header, new Uint8Array(1536)]), 'odd.tar'));
    expect(error.message).toContain('tar header for "a" whose size field is not an octal number');
  });

  it('refuses an archive cut inside a file or inside a header', () => {
    const tar = writeTar([{ name: 'big.bin', data: new Uint8Array(2000) }]);
    const inData = thrownDatasetError(() => readTar(tar.subarray(0, 512 + 1000), 'cut.tar'));
    expect(inData.kind).toBe('truncated');
    expect(inData.message).toContain('cut.tar is cut short: "big.bin" needs 2000 bytes but only 1000 remain');
    const inHeader = thrownDatasetError(() => readTar(concat([tar.subarray(0, 512 * 5), tarHeader({ name: 'next' }).subarray(0, 100)]), 'cut.tar'));
    expect(inHeader.kind).toBe('truncated');
    expect(inHeader.message).toContain('ends 100 bytes into a tar header');
  });
});

describe('gunzip', () => {
  it('round-trips CompressionStream output', async () => {
    const data = new Uint8Array(200_000).map((_, i) => (i * 2654435761) >>> 24);
    const packed = await gzip(data);
    expect(isGzip(packed)).toBe(true);
    const unpacked = await gunzip(packed, 'x.gz');
    expect(unpacked.length).toBe(data.length);
    // A plain loop: toEqual on 200,000 elements takes seconds.
    expect(unpacked.findIndex((byte, i) => byte !== data[i])).toBe(-1);
  });

  it('grows its buffer when the trailer under-states the size (concatenated members)', async () => {
    const first = new Uint8Array(150_000).fill(7);
    const second = bytesOf('tail');
    const unpacked = await gunzip(concat([await gzip(first), await gzip(second)]), 'two-members.gz');
    expect(unpacked.length).toBe(150_004);
    expect(unpacked[149_999]).toBe(7);
    expect(textOf(unpacked.subarray(150_000))).toBe('tail');
  });

  it('reads a view into a larger buffer', async () => {
    const packed = await gzip(bytesOf('inside'));
    const padded = concat([new Uint8Array(3), packed, new Uint8Array(5)]);
    expect(textOf(await gunzip(padded.subarray(3, 3 + packed.length), 'view.gz'))).toBe('inside');
  });

  it('refuses a corrupted stream', async () => {
    const packed = await gzip(bytesOf('some text to compress '.repeat(50)));
    packed[packed.length - 6] ^= 0xff;
    const error = await gunzip(packed, 'bad.gz').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).kind).toBe('corrupt');
    expect((error as DatasetError).message).toContain('bad.gz could not be decompressed');
  });

  it("sizes its first buffer from the trailer, within deflate's 1032:1 limit", async () => {
    const packed = await gzip(new Uint8Array(300_000));
    expect(initialGunzipCapacity(packed)).toBe(300_000);
    expect(initialGunzipCapacity(await gzip(bytesOf('small')))).toBe(65_536);
    // ISIZE = 0xffffffff: 4 GiB claimed by a few hundred bytes.
    packed.fill(0xff, packed.length - 4);
    expect(initialGunzipCapacity(packed)).toBe(packed.length * 1032);
  });
});
