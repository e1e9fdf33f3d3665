// Runs the exported project's Python sources from the node tests. CI installs python3 with
// Debian's python3-torch, python3-numpy and python3-yaml; a machine without them gets a message
// saying so instead of a puzzling failure.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** src/export/python: the static sources every export copies. */
export const PYTHON_SOURCES = resolve(import.meta.dirname, '../python');

let interpreter: string | undefined;

/**
 * The python3 to run: $PYTHON, else the first of python3 on the PATH and the system's
 * /usr/bin/python3 that imports numpy, yaml and torch (a version manager's python3 may shadow
 * the one Debian's packages are installed for), else python3 (whose error then names the missing module).
 */
export function pythonInterpreter(): string {
  if (interpreter) return interpreter;
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  interpreter =
    candidates.find((candidate) => spawnSync(candidate, ['-c', 'import numpy, yaml, torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0) ??
    candidates[0];
  return interpreter;
}

export interface PythonResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs `python3 args` with the exported sources, then `extraPath` (stand-ins for generated files), on PYTHONPATH; never throws for a failing script. */
export function runPython(
  args: readonly string[],
  options: { cwd?: string; extraPath?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): PythonResult {
  const pythonPath = [PYTHON_SOURCES, ...(options.extraPath ?? []), process.env.PYTHONPATH ?? ''].filter(Boolean).join(':');
  const result = spawnSync(pythonInterpreter(), args, {
    cwd: options.cwd,
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 256 * 2 ** 20,
  });
  if (result.error) {
    throw new Error(`Cannot run python3 (${result.error.message}); install python3 with python3-numpy, python3-yaml and python3-torch (.ci/run does).`);
  }
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** The JSON a Python script prints, or an error carrying its stderr (naming a missing module plainly). */
export function pythonJson<T>(code: string, args: readonly string[] = [], options: Parameters<typeof runPython>[1] = {}): T {
  const result = runPython(['-c', code, ...args], options);
  if (result.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(result.stderr);
    if (missing) throw new Error(`python3 lacks the module ${missing[1]}: install python3-numpy, python3-yaml and python3-torch (.ci/run does).`);
    throw new Error(`python3 failed (exit ${result.status}):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}
