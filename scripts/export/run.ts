// `npm run export`: the project's files from exportProject, written into --out, with the
// static Python sources read from src/export/python/.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { modelPreset } from '../../src/engine/nn/presets';
import { exportProject, GPT1_BPE_VOCABULARY } from '../../src/export/export-project';
import { initialWithGpt1File } from '../../src/worker/pretrained-embeddings';
import { EXPORT_HELP, parseExportArgs } from './options';

/** The folder of the project's static sources, copied into every export. */
export const PYTHON_SOURCES = resolve(import.meta.dirname, '../../src/export/python');

/** Every .py file of `folder` by name (none when the folder is missing). */
export function readPythonSources(folder: string = PYTHON_SOURCES): Record<string, string> {
  if (!existsSync(folder)) return {};
  const names = readdirSync(folder)
    .filter((name) => name.endsWith('.py'))
    .sort();
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(folder, name), 'utf8')]));
}

export interface ExportIo {
  log(line: string): void;
  sources?: Record<string, string>;
}

/** Writes the project; returns the exit code. Usage and config errors are thrown. */
export async function runExport(argv: readonly string[], io: ExportIo): Promise<number> {
  const options = parseExportArgs(argv);
  if (!options) {
    io.log(EXPORT_HELP);
    return 0;
  }
  const initCheckpoint = options.init ? { bytes: new Uint8Array(readFileSync(options.init)), name: basename(options.init) } : undefined;
  const { config, embeddings, vocabulary } = options;
  // GPT-1's tables in the trainer's starting weights, as the worker puts them there.
  const initial = embeddings
    ? await initialWithGpt1File(modelPreset(config.model, vocabulary ?? GPT1_BPE_VOCABULARY), config.seed, new Uint8Array(readFileSync(embeddings)))
    : undefined;
  const project = await exportProject({
    config: options.config,
    sources: io.sources ?? readPythonSources(),
    initCheckpoint,
    initial,
    vocabulary: options.vocabulary,
  });
  for (const [path, content] of project.files) {
    const target = join(options.out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  io.log(`${project.graph.preset}: ${project.files.size} files -> ${options.out}`);
  for (const warning of project.warnings) io.log(`note: ${warning.replaceAll('<project>', options.out)}`);
  io.log(`Run it: cd ${options.out} && python3 train.py   (or torchrun --nproc_per_node=2 train.py)`);
  return 0;
}
