import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCifarInput } from './cifar10';
import { DATASETS } from './datasets';
import { loadInput, type InputRequest } from './inputs';
import { emptyWriteStats } from './out-dir';
import { isWikitextFile, writeWikitextShards } from './wikitext2';
import { tokenBytes } from '../../src/engine/data/manifest';
import { rejectedDatasetError } from '../../src/engine/testing/data/dataset-errors';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inputs-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function request(from: string[], overrides: Partial<InputRequest> = {}, writes: string[] = []): InputRequest {
  const spec = DATASETS.wikitext2;
  return {
    spec,
    from,
    out: dir,
    url: spec.url,
    md5: spec.md5,
    md5Given: false,
    isLooseFile: isWikitextFile,
    rerun: 'npm run data -- wikitext2',
    stdout: { write: (text: string) => writes.push(text) },
    ...overrides,
  };
}

describe('loadInput with --from', () => {
  it('reads an archive, a folder of loose files (only the dataset’s), or loose files', async () => {
    await writeFile(join(dir, 'w.zip'), 'zip bytes');
    const writes: string[] = [];
    const archive = await loadInput(request([join(dir, 'w.zip')], {}, writes));
    expect(archive).toMatchObject({ kind: 'archive', name: 'w.zip', origin: 'w.zip', md5: undefined });
    expect(archive.kind === 'archive' && new TextDecoder().decode(archive.bytes)).toBe('zip bytes');
    expect(writes.join('')).toContain(
      `note: w.zip has MD5 ${createHash('md5').update('zip bytes').digest('hex')}, not the published 542ccefacc6c27f945fb54453812b3cd`,
    );

    const folder = join(dir, 'wikitext-2');
    await mkdir(folder);
    for (const name of ['wiki.train.tokens', 'wiki.test.tokens', 'README.txt']) await writeFile(join(folder, name), name);
    const loose = await loadInput(request([folder]));
    expect(loose.kind === 'files' && [...loose.files.keys()]).toEqual([join(folder, 'wiki.test.tokens'), join(folder, 'wiki.train.tokens')]);
    expect(loose.origin).toBe('wikitext-2');

    const single = await loadInput(request([join(folder, 'wiki.train.tokens')]));
    expect(single.kind).toBe('files');
  });

  it('records the md5 of an archive that matches', async () => {
    await writeFile(join(dir, 'w.zip'), 'zip bytes');
    const md5 = createHash('md5').update('zip bytes').digest('hex');
    expect(await loadInput(request([join(dir, 'w.zip')], { md5, md5Given: true }))).toMatchObject({ kind: 'archive', md5 });
  });

  it('refuses an archive that differs from the --md5 given', async () => {
    await writeFile(join(dir, 'w.zip'), 'zip bytes');
    const error = await rejectedDatasetError(loadInput(request([join(dir, 'w.zip')], { md5: 'f'.repeat(32), md5Given: true })));
    expect(error.kind).toBe('hash');
    expect(error.message).toContain(`but --md5 says ${'f'.repeat(32)}: it is damaged or not the file you meant`);
  });

  it('names a path that does not exist, a folder among files, and a path that is no regular file', async () => {
    const missing = await rejectedDatasetError(loadInput(request([join(dir, 'gone.zip')])));
    expect(missing.kind).toBe('missing-files');
    expect(missing.message).toBe(
      `--from ${join(dir, 'gone.zip')}: there is no such file or folder. Check the path, or leave --from out to download the dataset.`,
    );

    await writeFile(join(dir, 'wiki.train.tokens'), 'a');
    const mixed = await rejectedDatasetError(loadInput(request([join(dir, 'wiki.train.tokens'), dir])));
    expect(mixed.kind).toBe('missing-files');
    expect(mixed.message).toBe(`--from ${dir} is a folder; give either one folder, or one --from per file.`);

    const device = await rejectedDatasetError(loadInput(request(['/dev/null'])));
    expect(device.kind).toBe('missing-files');
    expect(device.message).toContain('--from /dev/null is neither a file nor a folder');
  });
});

describe('dataset checks of the command', () => {
  it('refuses a CIFAR-10 archive that is not gzip, saying what it is', async () => {
    const error = await rejectedDatasetError(
      readCifarInput({ kind: 'archive', bytes: strToU8('<html>Not Found</html>'), name: 'cifar.tar.gz', origin: 'cifar.tar.gz' }),
    );
    expect(error.kind).toBe('not-gzip');
    expect(error.message).toBe(
      'cifar.tar.gz is not a gzip file: it is an HTML or XML page (an error page, or a link saved instead of the file?). CIFAR-10 comes as cifar-10-binary.tar.gz; give that file exactly as downloaded, or the folder of .bin files inside it.',
    );
  });

  it('refuses an empty WikiText split before writing anything', async () => {
    const error = await rejectedDatasetError(
      writeWikitextShards(dir, { train: ['a'], validation: [], test: ['a'] }, 10, emptyWriteStats(), { origin: 'w.zip' }),
    );
    expect(error.kind).toBe('empty');
    expect(error.message).toBe('The validation split of w.zip has no lines: its file is empty. Download the dataset again.');
  });

  it('stores token ids little-endian in the dtype’s width', () => {
    expect([...tokenBytes(Uint32Array.of(1, 0x1234, 0xffff), 'uint16')]).toEqual([1, 0, 0x34, 0x12, 0xff, 0xff]);
    expect([...tokenBytes(Uint32Array.of(0x10000, 0x01020304), 'uint32')]).toEqual([0, 0, 1, 0, 4, 3, 2, 1]);
  });
});
