import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../engine/config/run-config';
import { exportProject } from './export-project';
import { projectZip } from './project-zip';
import { PYTHON_SOURCES } from './python-sources';
import { readPythonSources } from '../../scripts/export/run';

describe('projectZip', () => {
  it('holds every file of the export under one folder, byte for byte', async () => {
    const config = parseRunConfig({
      model: 'cnn-small',
      steps: 2,
      data: { train_size: 8, test_size: 4 },
      runs: [{ name: 'sgd', optimizer: { type: 'sgd', lr: 0.1 } }],
    });
    const { files } = await exportProject({ config, sources: PYTHON_SOURCES });
    const unzipped = unzipSync(projectZip('cnn-small-pytorch', files));
    expect(Object.keys(unzipped).sort()).toEqual([...files.keys()].map((path) => `cnn-small-pytorch/${path}`).sort());
    for (const [path, content] of files) {
      const entry = unzipped[`cnn-small-pytorch/${path}`];
      if (typeof content === 'string') expect(strFromU8(entry)).toBe(content);
      else expect(entry).toEqual(content);
    }
  });

  it('bundles the same Python sources as npm run export reads from src/export/python', () => {
    expect(PYTHON_SOURCES).toEqual(readPythonSources());
  });
});
