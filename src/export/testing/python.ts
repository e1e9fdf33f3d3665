// Finds the python3 that can run the exported project: the one on PATH, or Debian's, whose
// python3-torch package installs for /usr/bin/python3 only (a pyenv python3 on PATH lacks it).

import { spawnSync } from 'node:child_process';

const CANDIDATES = [process.env.EXPORT_PYTHON, 'python3', '/usr/bin/python3'].filter((name): name is string => Boolean(name));

let found: string | null = null;

/** A python3 executable that imports torch; throws naming what to install when there is none. */
export function torchPython(): string {
  if (found) return found;
  const failures: string[] = [];
  for (const candidate of CANDIDATES) {
    const probe = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) {
      found = candidate;
      return candidate;
    }
    failures.push(`${candidate}: ${probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)}`);
  }
  throw new Error(
    `The exported project's tests need a python3 with torch (${failures.join('; ')}); ` +
      'install it with: apt-get install -y python3-torch python3-numpy python3-yaml (or set EXPORT_PYTHON to a python3 that has torch)',
  );
}
