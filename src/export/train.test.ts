// train.py end to end on a tiny hand-written model (testing/fixture/model.py) with the project's
// own optimizers: the files of `npm run train`, the refusal of another model's checkpoint, and
// torchrun with 2 processes following 1 process.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, decodeSafetensors } from '../engine/checkpoint/safetensors';
import { createRng } from '../engine/random';
import { IMAGE_METRICS_COLUMNS } from '../engine/train/metrics-csv';
import { imageFixture } from '../engine/testing/data/shard-fixtures';
import { PYTHON_SOURCES, pythonJson, runPython } from './testing/python';

const FIXTURE = resolve(import.meta.dirname, 'testing/fixture');
const FIXTURE_BN = resolve(import.meta.dirname, 'testing/fixture-bn');
const TRAIN = join(PYTHON_SOURCES, 'train.py');
const SHAPES: Record<string, number[]> = { 'fc1.weight': [8, 2], 'fc1.bias': [8], 'fc2.weight': [3, 8], 'fc2.bias': [3] };
const SUMMARY_KEYS = [
  'run',
  'optimizer',
  'state',
  'steps',
  'train_loss_first',
  'train_loss_last',
  'test_loss',
  'test_accuracy',
  'val_perplexity',
  'test_perplexity',
  'ms_per_step_median',
  'step_times',
  'gpu_bytes',
  'adapter',
];

/** A project folder: config.yaml (Iris, SGD) and init.safetensors with seeded weights under `names`. */
function project(options: { runs?: string; logEvery?: number; names?: Record<string, string> } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'export-train-'));
  const rng = createRng(5);
  const tensors = Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape]) => [
      options.names?.[name] ?? name,
      { dtype: 'F32' as const, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.5, 0.5)) },
    ]),
  );
  writeFileSync(join(dir, 'init.safetensors'), encodeSafetensors(tensors, { format: 'pt', model: 'iris-mlp' }));
  const runs = options.runs ?? '  - { name: sgd, optimizer: { type: sgd, lr: 0.3, momentum: 0.9 } }\n';
  writeFileSync(
    join(dir, 'config.yaml'),
    `task: tabular-classification\nmodel: iris-mlp\ndata: { source: iris }\nbatch_size: 10\nsteps: 20\nseed: 3\nlog_every: ${options.logEvery ?? 5}\nruns:\n${runs}`,
  );
  return dir;
}

function train(dir: string, extra: string[] = []) {
  return runPython(
    [TRAIN, '--config', join(dir, 'config.yaml'), '--init', join(dir, 'init.safetensors'), '--out', join(dir, 'out'), '--data', join(dir, 'data'), ...extra],
    {
      extraPath: [FIXTURE],
    },
  );
}

function csvRows(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
}

describe('train.py', { timeout: 30_000 }, () => {
  it('writes metrics.csv with the CLI’s columns, summary.json with its keys and final.safetensors with the playground’s names', () => {
    const dir = project();
    const result = train(dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const text = readFileSync(join(dir, 'out', 'metrics.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe(IMAGE_METRICS_COLUMNS.join(','));
    const rows = csvRows(join(dir, 'out', 'metrics.csv'));
    // Step 1, every 5th step and the last; the epoch (15 steps) ends at step 15 with an evaluation, and so does the run.
    expect(rows.map((row) => row.step)).toEqual(['1', '5', '10', '15', '20']);
    expect(rows.map((row) => row.epoch)).toEqual(['0', '0', '0', '0', '1']);
    expect(rows.map((row) => row.test_loss !== '')).toEqual([false, false, false, true, true]);
    expect(rows[0].lr).toBe('0.3');
    for (const row of rows) expect(Number(row.train_loss)).toBeGreaterThan(0);
    expect(Number(rows[4].train_loss)).toBeLessThan(Number(rows[0].train_loss));
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    expect(Object.keys(summary)).toEqual(SUMMARY_KEYS);
    expect(summary).toMatchObject({ run: 'sgd', optimizer: 'sgd', state: 'finished', steps: 20, val_perplexity: null, test_perplexity: null });
    expect(summary.test_loss).toBe(Number(rows[4].test_loss));
    const final = decodeSafetensors(readFileSync(join(dir, 'out', 'final.safetensors')));
    expect(Object.keys(final.tensors).sort()).toEqual(Object.keys(SHAPES).sort());
    expect(final.metadata).toEqual({ format: 'pt', model: 'iris-mlp', run: 'sgd', optimizer: 'sgd', step: '20' });
  });

  it('writes numbers as the CLI’s metrics.csv does (JavaScript’s String(number))', () => {
    const values = [0, 1, 20, -3, 0.1, 0.3, 1e-7, 1.5e-7, 0.000001, 0.0000123, 123456.789, 1e21, 2.5e21, 1e300, -4.2e-9, 2 / 3, NaN, Infinity];
    const written = pythonJson<string[]>(
      'import json, sys, train\nprint(json.dumps([train.js_number(v) for v in json.loads(sys.argv[1], parse_constant=float)]))',
      [JSON.stringify(values).replace('null,null', 'NaN,Infinity')],
      { extraPath: [FIXTURE] },
    );
    expect(written).toEqual(values.map(String));
  });

  it('puts several runs in folders named after them, and --steps overrides the config', () => {
    const dir = project({ runs: '  - { name: slow one, optimizer: { type: sgd, lr: 0.01 } }\n  - { name: fast, optimizer: { type: sgd, lr: 0.3 } }\n' });
    expect(train(dir, ['--steps', '3']).status).toBe(0);
    expect(csvRows(join(dir, 'out', 'slow-one', 'metrics.csv')).map((row) => row.step)).toEqual(['1', '3']);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'fast', 'summary.json'), 'utf8')).steps).toBe(3);
  });

  it('refuses a checkpoint of another model, naming the tensors', () => {
    const dir = project({ names: { 'fc2.weight': 'head.weight' } });
    const result = train(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /init\.safetensors is a checkpoint of another model than iris-mlp \(missing from the file: fc2\.weight; in the file but not in the model: head\.weight\)/,
    );
  });

  it('under torchrun with 2 processes (gloo) follows 1 process within 1e-5 relative', { timeout: 120_000 }, () => {
    const one = project({ logEvery: 1 });
    expect(train(one, ['--steps', '6']).status).toBe(0);
    const two = project({ logEvery: 1 });
    expect(torchrun(two, [FIXTURE], ['--steps', '6']).status).toBe(0);
    expectSameRuns(one, two, Object.keys(SHAPES));
  });

  it('under torchrun takes BatchNorm’s statistics over the whole batch, as 1 process does', { timeout: 120_000 }, async () => {
    const make = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'export-train-bn-'));
      for (const [file, bytes] of (await imageFixture()).files) {
        mkdirSync(join(dir, 'data', 'synthetic'), { recursive: true });
        writeFileSync(join(dir, 'data', 'synthetic', file), bytes);
      }
      const rng = createRng(9);
      const random = (shape: number[]) => ({
        dtype: 'F32' as const,
        shape,
        data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.5, 0.5)),
      });
      const tensors = {
        'conv.weight': random([4, 3, 3, 3]),
        'conv.bias': random([4]),
        'bn.weight': random([4]),
        'bn.bias': random([4]),
        'bn.running_mean': { dtype: 'F32' as const, shape: [4], data: new Float32Array(4) },
        'bn.running_var': { dtype: 'F32' as const, shape: [4], data: new Float32Array(4).fill(1) },
        'fc.weight': random([10, 4]),
        'fc.bias': random([10]),
      };
      writeFileSync(join(dir, 'init.safetensors'), encodeSafetensors(tensors));
      writeFileSync(
        join(dir, 'config.yaml'),
        'model: cnn-small\ndata: { source: synthetic }\nbatch_size: 4\nsteps: 6\nseed: 1\nlog_every: 1\nruns:\n  - { name: sgd, optimizer: { type: sgd, lr: 0.1, momentum: 0.9 } }\n',
      );
      return dir;
    };
    const one = await make();
    const single = runPython(
      [TRAIN, '--config', join(one, 'config.yaml'), '--init', join(one, 'init.safetensors'), '--out', join(one, 'out'), '--data', join(one, 'data')],
      { extraPath: [FIXTURE_BN, FIXTURE] },
    );
    expect(single.status, single.stderr).toBe(0);
    const two = await make();
    const shared = torchrun(two, [FIXTURE_BN, FIXTURE], ['--data', join(two, 'data')]);
    expect(shared.status, shared.stderr).toBe(0);
    expectSameRuns(one, two, ['conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'fc.weight']);
  });
});

/** train.py under `torchrun --nproc_per_node=2` (gloo) in project `dir`, with `path` after the exported sources. */
function torchrun(dir: string, path: string[], extra: string[]) {
  return spawnSync(
    'torchrun',
    [
      '--standalone',
      '--nproc_per_node=2',
      // torch 1.13's launcher cannot parse its default "0" under Python 3.11 (Std.NONE is not iterated); 1 works everywhere.
      '--redirects',
      '1',
      '--tee',
      '1',
      TRAIN,
      '--config',
      join(dir, 'config.yaml'),
      '--init',
      join(dir, 'init.safetensors'),
      '--out',
      join(dir, 'out'),
      ...extra,
    ],
    { env: { ...process.env, PYTHONPATH: [PYTHON_SOURCES, ...path].join(':'), OMP_NUM_THREADS: '1' }, encoding: 'utf8', timeout: 120_000 },
  );
}

/** Every logged step's loss within 1e-5 relative, the same accuracies, and the named final tensors within 1e-5. */
function expectSameRuns(one: string, two: string, names: string[]): void {
  const single = csvRows(join(one, 'out', 'metrics.csv'));
  const shared = csvRows(join(two, 'out', 'metrics.csv'));
  expect(shared.map((row) => row.step)).toEqual(single.map((row) => row.step));
  expect(shared.length).toBeGreaterThanOrEqual(6);
  shared.forEach((row, i) => {
    const expected = Number(single[i].train_loss);
    expect(Math.abs(Number(row.train_loss) - expected)).toBeLessThanOrEqual(1e-5 * Math.abs(expected));
    expect(row.train_accuracy).toBe(single[i].train_accuracy);
  });
  const a = decodeSafetensors(readFileSync(join(one, 'out', 'final.safetensors'))).tensors;
  const b = decodeSafetensors(readFileSync(join(two, 'out', 'final.safetensors'))).tensors;
  for (const name of names) {
    (b[name].data as Float32Array).forEach((value, i) => expect(Math.abs(value - (a[name].data as Float32Array)[i])).toBeLessThanOrEqual(1e-5));
  }
}
