// Dataset files as the page and the command line hand them to the worker: fetched from a
// same-origin URL (with download progress), or handed over as bytes (dropped on the page).

import { fetchBytes } from '../stream/fetch-bytes';

/** A dataset file the worker reads: fetched from a same-origin URL, or handed over as bytes. */
export type DataFile = { name: string; url: string } | { name: string; bytes: ArrayBuffer };

/** Bytes of `label` loaded so far out of `total`, for a progress line. */
export type ProgressReporter = (label: string, loaded: number, total: number) => void;

/** A file's bytes; a download that fails is a DatasetError. */
export async function fileBytes(file: DataFile, report?: ProgressReporter): Promise<Uint8Array> {
  if ('bytes' in file) return new Uint8Array(file.bytes);
  return fetchBytes(file.url, { label: file.name, onProgress: (loaded, total) => report?.(file.name, loaded, total) });
}

/** The bytes of every file, by name. */
export async function readDataFiles(files: readonly DataFile[], report?: ProgressReporter): Promise<Map<string, Uint8Array>> {
  const loaded = new Map<string, Uint8Array>();
  for (const file of files) loaded.set(file.name, await fileBytes(file, report));
  return loaded;
}
