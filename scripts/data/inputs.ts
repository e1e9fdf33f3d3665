// Where a dataset's bytes come from: the published archive, downloaded into the output folder,
// or what --from names (an archive, a folder of loose files, or the loose files themselves).

import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from '../../src/engine/data/dataset-error';
import type { DatasetSpec } from './datasets';
import { downloadArchive } from './download';
import { TMP_SUFFIX } from './out-dir';
import type { TextSink } from './progress';

export type DatasetInput =
  | {
      kind: 'archive';
      bytes: Uint8Array;
      /** The file's name, for messages. */
      name: string;
      /** The URL, or the file's name: the manifest's source.origin. */
      origin: string;
      /** Set when the archive matched the expected MD5. */
      md5?: string;
    }
  | { kind: 'files'; files: Map<string, Uint8Array>; origin: string };

export interface InputRequest {
  spec: DatasetSpec;
  from: readonly string[];
  out: string;
  url: string;
  md5: string;
  md5Given: boolean;
  /** Base names of the loose files the dataset is made of. */
  isLooseFile: (name: string) => boolean;
  rerun: string;
  stdout: TextSink;
}

async function kindOf(path: string): Promise<'file' | 'folder'> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return 'folder';
    if (info.isFile()) return 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new DatasetError(
      'missing-files',
      `--from ${path}: there is no such file or folder. Check the path, or leave --from out to download the dataset.`,
      path,
    );
  }
  throw new DatasetError('missing-files', `--from ${path} is neither a file nor a folder; give the archive, or the folder holding the dataset's files.`, path);
}

const md5Hex = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

async function readArchive(path: string, request: InputRequest): Promise<DatasetInput> {
  const bytes = await readFile(path);
  const name = basename(path);
  const md5 = md5Hex(bytes);
  if (md5 !== request.md5) {
    if (request.md5Given) {
      throw new DatasetError(
        'hash',
        `${path} has MD5 ${md5}, but --md5 says ${request.md5}: it is damaged or not the file you meant. Delete it, download it again and run \`${request.rerun}\` again.`,
        path,
      );
    }
    request.stdout.write(
      `note: ${name} has MD5 ${md5}, not the published ${request.md5}, so it is not the official ${request.spec.archiveName}; its contents are checked as they are read.\n`,
    );
  }
  return { kind: 'archive', bytes, name, origin: name, md5: md5 === request.md5 ? md5 : undefined };
}

async function readLooseFiles(paths: readonly string[], origin: string): Promise<DatasetInput> {
  const files = new Map<string, Uint8Array>();
  for (const path of paths) files.set(path, await readFile(path));
  return { kind: 'files', files, origin };
}

async function readFrom(request: InputRequest): Promise<DatasetInput> {
  const { from } = request;
  const kinds = await Promise.all(from.map(kindOf));
  if (from.length === 1 && kinds[0] === 'folder') {
    const names = (await readdir(from[0], { withFileTypes: true }))
      .filter((entry) => entry.isFile() && request.isLooseFile(entry.name))
      .map((entry) => entry.name);
    return readLooseFiles(
      names.sort().map((name) => join(from[0], name)),
      basename(from[0]),
    );
  }
  const folder = from.find((_, i) => kinds[i] === 'folder');
  if (folder !== undefined) {
    throw new DatasetError('missing-files', `--from ${folder} is a folder; give either one folder, or one --from per file.`, folder);
  }
  if (from.length === 1 && !request.isLooseFile(basename(from[0]))) return readArchive(from[0], request);
  return readLooseFiles(from, from.map((path) => basename(path)).join(', '));
}

async function download(request: InputRequest): Promise<DatasetInput> {
  const { spec, url } = request;
  const path = join(request.out, spec.archiveName + TMP_SUFFIX);
  request.stdout.write(`Downloading ${url}\n`);
  const md5 = await downloadArchive({ url, path, expectedMd5: request.md5, label: spec.archiveName, rerun: request.rerun, sink: request.stdout });
  const bytes = await readFile(path);
  await rm(path, { force: true });
  return { kind: 'archive', bytes, name: spec.archiveName, origin: url, md5 };
}

export function loadInput(request: InputRequest): Promise<DatasetInput> {
  return request.from.length > 0 ? readFrom(request) : download(request);
}
