import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { thrownDatasetError } from '../testing/data/dataset-errors';
import { gzip, writeTar } from '../testing/data/file-fixtures';
import { describeContent, isZip, unzipEntries } from './zip';

describe('unzipEntries', () => {
  it('returns every regular file by its path, stored or deflated, without folders', () => {
    const archive = zipSync({ 'top/a.txt': strToU8('alpha'), 'top/sub/b.bin': [new Uint8Array([0, 1, 2, 255]), { level: 0 }], 'top/empty/': new Uint8Array() });
    const entries = unzipEntries(archive, 'x.zip');
    expect([...entries.keys()].sort()).toEqual(['top/a.txt', 'top/sub/b.bin']);
    expect(new TextDecoder().decode(entries.get('top/a.txt'))).toBe('alpha');
    expect([...entries.get('top/sub/b.bin')!]).toEqual([0, 1, 2, 255]);
  });

  it('decompresses only the entries keep accepts', () => {
    const archive = zipSync({ 'a.txt': strToU8('a'), 'b.txt': strToU8('b') });
    expect([...unzipEntries(archive, 'x.zip', (path) => path === 'b.txt').keys()]).toEqual(['b.txt']);
  });

  it('reads an empty zip as no entries', () => {
    const empty = zipSync({});
    expect(isZip(empty)).toBe(true);
    expect(unzipEntries(empty, 'empty.zip').size).toBe(0);
  });

  it('names a gzip file given as a zip', async () => {
    const gzipped = await gzip(strToU8('not a zip'));
    const error = thrownDatasetError(() => unzipEntries(gzipped, 'data.zip'));
    expect(error.kind).toBe('not-zip');
    expect(error.fileName).toBe('data.zip');
    expect(error.message).toMatch(
      /data\.zip is not a zip archive: it is a gzip file \(it starts with the bytes 1f 8b\)\. Choose the \.zip file exactly as downloaded/,
    );
  });
  it('names an HTML page saved instead of the archive', () => {
    const error = thrownDatasetError(() => unzipEntries(strToU8('\n<!DOCTYPE html><html><body>Access denied</body></html>'), 'wikitext-2-v1.zip'));
    expect(error.kind).toBe('not-zip');
    expect(error.message).toContain('wikitext-2-v1.zip is not a zip archive: it is an HTML or XML page');
  });

  it('names empty and unknown bytes', () => {
    expect(thrownDatasetError(() => unzipEntries(new Uint8Array(), 'e.zip')).message).toContain('it is empty (0 bytes)');
    expect(thrownDatasetError(() => unzipEntries(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1]), 'u.zip')).message).toContain(
      'it starts with the bytes de ad be ef',
    );
  });

  it('reports a zip cut short as truncated, and a damaged entry as corrupt', () => {
    const archive = zipSync({ 'a.txt': strToU8('some text that deflate can squeeze, some text that deflate can squeeze') });
    const cut = thrownDatasetError(() => unzipEntries(archive.subarray(0, archive.length - 30), 'cut.zip'));
    expect(cut.kind).toBe('truncated');
    expect(cut.message).toMatch(/cut\.zip starts like a zip archive .* it was cut short\. Download it again\./);

    const damaged = archive.slice();
    // The deflate data starts after the 30-byte local header and the 5-byte name; 0xff there is an invalid block type.
    damaged[35] = 0xff;
    const broken = thrownDatasetError(() => unzipEntries(damaged, 'broken.zip'));
    expect(broken.kind).toBe('corrupt');
    expect(broken.message).toMatch(/broken\.zip is a damaged zip archive \(.+\)\. Download it again\./);
  });

  it('describes content for other readers', async () => {
    expect(describeContent(await gzip(strToU8('x')))).toMatch(/^a gzip file/);
    expect(describeContent(zipSync({ a: strToU8('a') }))).toBe('a zip file');
    expect(describeContent(writeTar([{ name: 'a.txt', data: strToU8('a') }]))).toBe('a tar archive that is not compressed');
  });
});
