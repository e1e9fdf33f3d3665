// The exported project as one zip download: every file under a folder named after the setup.

import { strToU8, zipSync, type Zippable } from 'fflate';
import type { ProjectFiles } from './export-project';

/** The zip's bytes; text files are UTF-8, and shards are stored as they are (they barely compress). */
export function projectZip(folder: string, files: ProjectFiles): Uint8Array {
  const entries: Zippable = {};
  for (const [path, content] of files) {
    entries[`${folder}/${path}`] = typeof content === 'string' ? strToU8(content) : [content, { level: path.endsWith('.bin') ? 0 : 6 }];
  }
  return zipSync(entries);
}
