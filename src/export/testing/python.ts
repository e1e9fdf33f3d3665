// Runs the exported project's Python sources from the node tests. CI installs python3 with
// Debian's python3-torch, python3-numpy and python3-yaml; a machine without them gets a message
// saying so instead of a puzzling failure.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** src/export/python: the static sources every export copies. */
export const PYTHON_SOURCES = resolve(import.meta.dirname, '../python');

const MODULES = 'import torch, numpy, yaml';

let found: string | null = null;

/**
 * The python3 to run: $PYTHON when set, else the first of python3 on the PATH and Debian's
 * /usr/bin/python3 that imports torch, numpy and yaml (a pyenv or venv python3 on the PATH may
 * lack Debian's python3-torch, which only the system interpreter sees). Throws, saying what to
 * install, when none has them.
 */
export function pythonWithTorch(): string {
  if (found) return found;
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', MODULES], { encoding: 'utf8', timeout: 60_000 });
    if (!probe.error && probe.status === 0) return (found = candidate);
    reasons.push(`${candidate}: ${probe.error ? probe.error.message : probe.stderr.trim().split('\n').at(-1)}`);
  }
  throw new Error(
    `No Python with torch, numpy and yaml for the exported project's tests (${reasons.join('; ')}). ` +
      'Install them: apt-get install -y python3-torch python3-numpy python3-yaml (.ci/run does), or set PYTHON to an interpreter that has them.',
  );
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
  const result = spawnSync(pythonWithTorch(), args, {
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
