// Two rules of docs/architecture.md, checked on the source. Fixtures, the fault server and
// test helpers live under testing/ (or in *.test.ts files), so the page, the worker and the
// command line never bundle or run them: no production module imports a test module or a test
// runner. And each layer imports only the layers below it (LAYER_IMPORTS).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SOURCE_FOLDERS = ['src', 'scripts'];
const TEST_RUNNERS = /^(vitest|@vitest\/|@playwright\/test$)/;
const SPECIFIER =
  /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url|^import\s+['"]([^'"]+)['"]/gm;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** A module that only tests may use: anything under a testing/ folder, or a test file. */
function isTestModule(path: string): boolean {
  return /(^|\/)testing\//.test(path) || /\.test(\.tsx?)?$/.test(path);
}

/** Each import of a module: its specifier, and the path it leads to (relative to the root) for a relative one. */
function importsOf(path: string, source: string): { specifier: string; target: string | null }[] {
  return [...source.matchAll(SPECIFIER)].map((match) => {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(path), specifier)).replaceAll('\\', '/') : null;
    return { specifier, target };
  });
}

/** The specifiers of a module that lead into test code, given the module's path relative to the root. */
function testImports(path: string, source: string): string[] {
  return importsOf(path, source)
    .filter(({ specifier, target }) => TEST_RUNNERS.test(specifier) || (target !== null && isTestModule(target)))
    .map(({ specifier }) => specifier);
}

/**
 * The layer a production module belongs to: an engine folder (or a single module at the
 * engine's top, such as random.ts), or a folder of src/.
 */
function layerOf(path: string): string | null {
  const engine = /^src\/engine\/([^/.]+)/.exec(path);
  if (engine) return `engine/${engine[1]}`;
  const top = /^src\/([^/.]+)/.exec(path);
  return top ? top[1] : null;
}

/**
 * What each layer may import besides itself, lowest first. The engine never reaches the page,
 * the worker or the command line; the page reaches the engine only for types, schemas and pure
 * helpers (config, events, presets, the device check) and talks to the rest through the worker.
 */
const LAYER_IMPORTS: Record<string, readonly string[]> = {
  'engine/random': [],
  'engine/compare': [],
  'engine/config': [],
  'engine/gpu': [],
  'engine/checkpoint': [],
  'engine/kernels': ['engine/gpu', 'engine/random'],
  'engine/data': ['engine/config', 'engine/random'],
  'engine/nn': ['engine/gpu', 'engine/kernels', 'engine/checkpoint', 'engine/compare', 'engine/random'],
  'engine/landscape': ['engine/checkpoint', 'engine/config', 'engine/data', 'engine/gpu', 'engine/kernels', 'engine/nn', 'engine/random'],
  'engine/optim': ['engine/config', 'engine/gpu', 'engine/kernels', 'engine/nn', 'engine/random'],
  'engine/inspect': ['engine/checkpoint', 'engine/config', 'engine/gpu', 'engine/kernels', 'engine/nn', 'engine/optim', 'engine/random'],
  'engine/train': ['engine/config', 'engine/data', 'engine/gpu', 'engine/inspect', 'engine/landscape', 'engine/nn', 'engine/optim', 'engine/random'],
  'engine/bench': [
    'engine/config',
    'engine/data',
    'engine/gpu',
    'engine/inspect',
    'engine/landscape',
    'engine/nn',
    'engine/optim',
    'engine/random',
    'engine/train',
  ],
  worker: [
    'engine/bench',
    'engine/config',
    'engine/data',
    'engine/gpu',
    'engine/inspect',
    'engine/landscape',
    'engine/nn',
    'engine/train',
    'engine/checkpoint',
  ],
  // The PyTorch export: model.py from the graph, the built-in data as shard files, the weights as safetensors.
  export: ['engine/checkpoint', 'engine/config', 'engine/data', 'engine/nn'],
  headless: ['engine/bench', 'engine/inspect', 'worker'],
  ui: ['engine/config', 'engine/gpu', 'engine/inspect', 'engine/landscape', 'engine/nn', 'engine/train', 'engine/checkpoint', 'export', 'worker'],
  main: ['ui'],
};

/** Single modules that cross a layer line for a stated reason. */
const CROSSINGS: Record<string, readonly string[]> = {
  // Padding targets in token batches (and in the paper's windows and their batches) carry the loss kernel's ignored-target id.
  'src/engine/data/token-batches.ts': ['src/engine/kernels/cross-entropy/cross-entropy-labels'],
  'src/engine/data/paper-windows.ts': ['src/engine/kernels/cross-entropy/cross-entropy-labels'],
  'src/engine/data/paper-window-batches.ts': ['src/engine/kernels/cross-entropy/cross-entropy-labels'],
  // Pretrained embeddings are downloaded like shards (range requests, the shard cache) but stored as safetensors.
  'src/engine/data/stream/safetensors-range.ts': ['src/engine/checkpoint/safetensors'],
  // The model fixes a language model's window length and vocabulary.
  'src/engine/data/load/text-data-from-config.ts': ['src/engine/nn/presets'],
  // A config's init overrides that name no parameter, or give the wrong count, are configuration errors.
  'src/engine/nn/parameters.ts': ['src/engine/config/run-config'],
};

/** The imports of a production module that its layer may not make. */
function layerViolations(path: string, source: string): string[] {
  const layer = layerOf(path);
  if (layer === null) return [];
  const allowed = LAYER_IMPORTS[layer];
  if (!allowed) return [`${path}: its layer ${layer} has no entry in LAYER_IMPORTS`];
  return importsOf(path, source)
    .filter(({ target }) => target !== null && target.startsWith('src/'))
    .filter(({ target }) => {
      const targetLayer = layerOf(target!);
      return targetLayer !== layer && !allowed.includes(targetLayer!) && !CROSSINGS[path]?.includes(target!.replace(/\.tsx?$/, ''));
    })
    .map(({ specifier, target }) => `${path} (${layer}) imports ${specifier} (${layerOf(target!)})`);
}

function productionModules(): string[] {
  return SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))
    .map((file) => relative(ROOT, file).replaceAll('\\', '/'))
    .filter((path) => !isTestModule(path));
}

describe('production modules', () => {
  it('tell test modules and test runners apart from the rest', () => {
    expect(testImports('src/engine/data/cifar10.ts', "import { cifarBatch } from '../testing/data/file-fixtures';")).toEqual(['../testing/data/file-fixtures']);
    expect(testImports('src/worker/a.ts', "const w = new URL('../engine/testing/data/hf-parquet-reader-worker.ts', import.meta.url);")).toHaveLength(1);
    expect(testImports('scripts/a.ts', "import { expect } from 'vitest';\nimport { x } from './b.test';")).toEqual(['vitest', './b.test']);
    expect(testImports('scripts/a.ts', "import { chromium } from 'playwright';\nimport { y } from '../src/engine/data/zip';")).toEqual([]);
  });

  it('import nothing from testing/, test files or a test runner', () => {
    const offenders = productionModules().flatMap((path) =>
      testImports(path, readFileSync(join(ROOT, path), 'utf8')).map((specifier) => `${path} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it('tell which imports cross a layer line', () => {
    expect(layerViolations('src/engine/kernels/relu/relu.ts', "import { x } from '../../nn/graph';")).toEqual([
      'src/engine/kernels/relu/relu.ts (engine/kernels) imports ../../nn/graph (engine/nn)',
    ]);
    expect(layerViolations('src/engine/data/cifar10.ts', "import { x } from '../train/trainer';\nimport { y } from './image-set';")).toHaveLength(1);
    expect(layerViolations('src/engine/train/trainer.ts', "import { x } from '../data/training-data';\nimport { z } from 'zod';")).toEqual([]);
    expect(layerViolations('src/engine/data/token-batches.ts', "import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';")).toEqual([]);
    expect(layerViolations('src/ui/app.tsx', "import { Trainer } from '../engine/optim/adam';")).toHaveLength(1);
  });

  it('import only the layers below their own', () => {
    const offenders = productionModules().flatMap((path) => (path.startsWith('src/') ? layerViolations(path, readFileSync(join(ROOT, path), 'utf8')) : []));
    expect(offenders).toEqual([]);
  });
});
