// The page's export, loaded only when "Export to PyTorch" is pressed: the project's files from
// the setup, with the bundled Python sources, zipped under one folder.

import type { RunConfig } from '../engine/config/run-config';
import { exportProject } from './export-project';

export { GPT1_BPE_VOCABULARY } from './export-project';
import { projectZip } from './project-zip';
import { PYTHON_SOURCES } from './python-sources';

export async function exportProjectZip(
  config: RunConfig,
  folder: string,
  initial?: ReadonlyMap<string, ArrayLike<number>>,
): Promise<{ zip: Uint8Array; warnings: string[] }> {
  const { files, warnings } = await exportProject({ config, sources: PYTHON_SOURCES, initial });
  return { zip: projectZip(folder, files), warnings };
}
