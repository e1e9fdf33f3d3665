// The Python the tests run exported projects with: $PYTHON when set, else the first of python3
// and Debian's /usr/bin/python3 that imports torch, numpy and yaml (a pyenv or venv python3 on
// the PATH may lack Debian's python3-torch, which only the system interpreter sees).

import { spawnSync } from 'node:child_process';

const MODULES = 'import torch, numpy, yaml';

let found: string | null = null;

/** The interpreter's path or name; throws, saying what to install, when none has torch, numpy and yaml. */
export function pythonWithTorch(): string {
  if (found) return found;
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', MODULES], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return (found = candidate);
    reasons.push(`${candidate}: ${probe.error ? probe.error.message : probe.stderr.trim().split('\n').at(-1)}`);
  }
  throw new Error(
    `No Python with torch, numpy and yaml for the exported project's tests (${reasons.join('; ')}). ` +
      'Install them: apt-get install -y python3-torch python3-numpy python3-yaml (or set PYTHON to an interpreter that has them).',
  );
}
