// Fixtures, the fault server and test helpers live under testing/ (or in *.test.ts files), so
// the page, the worker and the command line never bundle or run them. This guards that line:
// no production module imports a test module or a test runner.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SOURCE_FOLDERS = ['src', 'scripts'];
const TEST_RUNNERS = /^(vitest|@vitest\/|@playwright\/test$)/;
const SPECIFIER = /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url/g;

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

/** The specifiers of a module that lead into test code, given the module's path relative to the root. */
function testImports(path: string, source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(path), specifier)).replaceAll('\\', '/') : null;
    if (TEST_RUNNERS.test(specifier) || (target !== null && isTestModule(target))) found.push(specifier);
  }
  return found;
}

describe('production modules', () => {
  it('tell test modules and test runners apart from the rest', () => {
    expect(testImports('src/engine/data/cifar10.ts', "import { cifarBatch } from '../testing/data/file-fixtures';")).toEqual(['../testing/data/file-fixtures']);
    expect(testImports('src/worker/a.ts', "const w = new URL('../engine/testing/data/hf-parquet-reader-worker.ts', import.meta.url);")).toHaveLength(1);
    expect(testImports('scripts/a.ts', "import { expect } from 'vitest';\nimport { x } from './b.test';")).toEqual(['vitest', './b.test']);
    expect(testImports('scripts/a.ts', "import { chromium } from 'playwright';\nimport { y } from '../src/engine/data/zip';")).toEqual([]);
  });

  it('import nothing from testing/, test files or a test runner', () => {
    const offenders = SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))
      .map((file) => relative(ROOT, file).replaceAll('\\', '/'))
      .filter((path) => !isTestModule(path))
      .flatMap((path) => testImports(path, readFileSync(join(ROOT, path), 'utf8')).map((specifier) => `${path} imports ${specifier}`));
    expect(offenders).toEqual([]);
  });
});
