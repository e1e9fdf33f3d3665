import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { decodeSafetensors, type TensorEntry } from '../src/engine/checkpoint/safetensors';
import { parameterSpecs } from '../src/engine/nn/parameters';
import { cnnSmall } from '../src/engine/nn/presets';

// `npm run train` with a landscape section: its three files, and each bad landscape input
// refused before a step is trained. The command line drives its own Chromium; it needs only
// the build this suite already made.

function train(args: string[], timeoutMs = 900_000) {
  return spawnSync('npx', ['tsx', 'scripts/train.ts', ...args], { encoding: 'utf8', timeout: timeoutMs });
}

/** A tiny cnn-small session on synthetic images: two runs, a 5 x 5 grid at 16 examples, a snapshot every 2 steps. */
function cnnSmallConfig(landscape: Record<string, unknown>, data: Record<string, unknown> = {}) {
  return {
    task: 'image-classification',
    model: 'cnn-small',
    data: { source: 'synthetic', train_size: 64, test_size: 16, ...data },
    batch_size: 16,
    steps: 6,
    log_every: 2,
    seed: 1,
    runs: [
      { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
      { name: 'sgd', optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    ],
    landscape: { grid: 5, eval_size: 16, snapshot_every: 2, ...landscape },
  };
}

function writeConfig(config: object): { file: string; out: string } {
  const folder = mkdtempSync(join(tmpdir(), 'landscape-'));
  const file = join(folder, 'config.yaml');
  writeFileSync(file, stringify(config));
  return { file, out: join(folder, 'out') };
}

/** Runs a config that must be refused: exit 1, no step trained, and every expected line in the error. */
function expectRefused(config: object, expected: (string | RegExp)[]) {
  const { file, out } = writeConfig(config);
  // A refusal comes before the first step: a run that trains instead ends at the timeout, not at the test's.
  const result = train(['--config', file, '--out', out], 240_000);
  expect(result.status, result.stderr + result.stdout).toBe(1);
  for (const line of expected) {
    if (typeof line === 'string') expect(result.stderr).toContain(line);
    else expect(result.stderr).toMatch(line);
  }
  expect(result.stdout).not.toMatch(/\] step \d+\//);
  expect(existsSync(join(out, 'trajectories.csv'))).toBe(false);
}

type CsvRow = Record<string, string>;
function readCsv(path: string): { header: string; rows: CsvRow[] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return { header, rows: lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell]))) };
}

/** A tensor's values; landscape.safetensors holds F32 only. */
const floats = (tensor: TensorEntry) => {
  expect(tensor.dtype).toBe('F32');
  return Array.from(tensor.data as Float32Array);
};
const norm = (tensors: TensorEntry[]) => Math.sqrt(tensors.reduce((sum, tensor) => sum + floats(tensor).reduce((s, v) => s + v * v, 0), 0));

test.describe('bad landscape input is refused before training, naming the field, the range and the value', () => {
  test('a grid of 0 or past the limit (the schema)', async () => {
    expectRefused(cnnSmallConfig({ grid: 0 }), ['landscape.grid: must be "auto" or a whole number in 3..101 (got 0)', 'Run with --help']);
    expectRefused(cnnSmallConfig({ grid: 500 }), ['landscape.grid: must be "auto" or a whole number in 3..101 (got 500)']);
  });

  // Needs the engine: Trainer.create calls validateLandscape.
  test('an unknown parameter name and an index out of range on the weights plane', async () => {
    test.setTimeout(300_000);
    expectRefused(cnnSmallConfig({ plane: 'weights', weights: ['fc3.weight[0, 0]', 'fc.weight[10, 0]'] }), [
      'landscape.weights[0]: must name a trained parameter of the model: one of conv1.weight [16, 3, 3, 3], conv1.bias [16], conv2.weight [32, 16, 3, 3], conv2.bias [32], fc.weight [10, 2048], fc.bias [10] (got "fc3.weight[0, 0]")',
      'landscape.weights[1]: fc.weight has shape [10, 2048], so its indices must be in [0..9, 0..2047] (got "fc.weight[10, 0]")',
    ]);
  });

  // Needs the engine: Trainer.create calls validateLandscape with the snapshot size and the budget.
  test('a budget too small for two snapshots of every run', async () => {
    test.setTimeout(300_000);
    // Two snapshots of each of two cnn-small runs take about 0.39 MiB (102 912 bytes each at a 256-byte alignment).
    expectRefused(cnnSmallConfig({ budget_mb: 0.01 }), [
      /landscape\.budget_mb: must be at least 0\.\d+ MiB, room for two snapshots of each of the 2 runs \(\d+ bytes each\) \(got 0\.01\)/,
    ]);
  });

  // Needs the engine: Trainer.create calls validateLandscape with the training set's size.
  test('an evaluation set larger than the training data', async () => {
    test.setTimeout(300_000);
    expectRefused(cnnSmallConfig({ eval_size: 64 }, { train_size: 32 }), [
      'landscape.eval_size: must be "auto" or a whole number in 1..32, as the training data has 32 examples (got 64)',
    ]);
  });
});

// Needs the engine (snapshots, the plane, the grid and the export).
test('npm run train on a cnn-small config with a landscape writes trajectories.csv, landscape.json and landscape.safetensors', async () => {
  test.setTimeout(900_000);
  const { file, out } = writeConfig(cnnSmallConfig({ plane: 'pca' }));
  const result = train(['--config', file, '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/\[landscape\] pca plane .*25\/25 grid points at 16 examples.*\(final\)/);

  // Each run keeps its own folder; the landscape, shared by both, sits at the top.
  for (const run of ['adam', 'sgd'])
    for (const name of ['metrics.csv', 'summary.json', 'final.safetensors']) expect(existsSync(join(out, run, name))).toBe(true);

  const { header, rows } = readCsv(join(out, 'trajectories.csv'));
  expect(header).toBe('run,step,x,y,train_loss,eval_loss,off_plane');
  for (const run of ['adam', 'sgd']) {
    const own = rows.filter((row) => row.run === run);
    expect(own.map((row) => Number(row.step))).toEqual([0, 2, 4, 6]);
    expect(own[0].train_loss).toBe(''); // the start has no training loss yet
    for (const row of own)
      for (const column of ['x', 'y', 'eval_loss', 'off_plane']) expect(Number.isFinite(Number(row[column])), `${run} ${column}`).toBe(true);
    for (const row of own.slice(1)) expect(Number(row.train_loss)).toBeGreaterThan(0);
  }
  // Both runs start from the same weights: the same point.
  const starts = rows.filter((row) => row.step === '0');
  expect(Number(starts[0].x)).toBeCloseTo(Number(starts[1].x), 5);
  expect(Number(starts[0].y)).toBeCloseTo(Number(starts[1].y), 5);

  const landscape = JSON.parse(readFileSync(join(out, 'landscape.json'), 'utf8'));
  expect(landscape).toMatchObject({ plane: 'pca', center_run: 'adam', grid: { points_per_axis: 5, eval_size: 16 }, filled: 25, complete: true, settled: true });
  expect(landscape.axis_labels[0]).toMatch(/PC1/);
  expect(landscape.axis_labels[1]).toMatch(/PC2/);
  const [first, second] = landscape.explained_variance;
  expect(first).toBeGreaterThanOrEqual(second);
  expect(first + second).toBeLessThanOrEqual(1 + 1e-6);
  expect(landscape.alphas).toHaveLength(5);
  expect(landscape.betas).toHaveLength(5);
  expect(landscape.losses).toHaveLength(5);
  for (const row of landscape.losses) {
    expect(row).toHaveLength(5);
    for (const loss of row) expect(Number.isFinite(loss) && loss > 0).toBe(true);
  }
  expect(landscape.snapshot_budget.runs.map((run: { run: string }) => run.run)).toEqual(['adam', 'sgd']);

  // The centre and two unit directions under the model's state_dict names.
  const { tensors } = decodeSafetensors(readFileSync(join(out, 'landscape.safetensors')));
  const specs = parameterSpecs(cnnSmall()).filter((spec) => spec.trainable);
  const expected = ['center.', 'dir_x.', 'dir_y.'].flatMap((prefix) => specs.map((spec) => `${prefix}${spec.name}`));
  expect(Object.keys(tensors).sort()).toEqual(expected.sort());
  for (const spec of specs) for (const prefix of ['center.', 'dir_x.', 'dir_y.']) expect(tensors[prefix + spec.name].shape).toEqual(spec.shape);
  for (const prefix of ['dir_x.', 'dir_y.']) expect(norm(specs.map((spec) => tensors[prefix + spec.name]))).toBeCloseTo(1, 4);
});

// Needs the engine, the Iris data and model, and configs/iris-landscape.yaml.
test("npm run train on configs/iris-landscape.yaml writes the seed's two-weight landscape", async () => {
  test.setTimeout(900_000);
  const out = join(mkdtempSync(join(tmpdir(), 'iris-landscape-')), 'out');
  const result = train(['--config', 'configs/iris-landscape.yaml', '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);

  const { header, rows } = readCsv(join(out, 'trajectories.csv'));
  expect(header).toBe('run,step,x,y,train_loss,eval_loss,off_plane');
  const runs = [...new Set(rows.map((row) => row.run))];
  expect(runs.length).toBeGreaterThanOrEqual(2);
  for (const run of runs) {
    const own = rows.filter((row) => row.run === run);
    // The start and one point per epoch: 20 epochs of 15 batches of 10.
    expect(own.length).toBeGreaterThanOrEqual(21);
    expect(Number(own[0].step)).toBe(0);
    expect(Number(own.at(-1)!.step)).toBe(300);
    // Every run starts at fc1.weight = (0.2, 0.2), a float32 apart.
    expect(Number(own[0].x)).toBeCloseTo(0.2, 6);
    expect(Number(own[0].y)).toBeCloseTo(0.2, 6);
    // Cross-entropy over softmax probabilities (the notebook's double softmax) lies in [log(1 + 2/e), log(1 + 2e)].
    for (const row of own.slice(1)) {
      expect(Number(row.train_loss)).toBeGreaterThanOrEqual(Math.log(1 + 2 / Math.E) - 1e-6);
      expect(Number(row.train_loss)).toBeLessThanOrEqual(Math.log(1 + 2 * Math.E) + 1e-6);
    }
    // Off the plane: how far fc1.bias and fc2 have moved from the centre run's, which the two weights do not show.
    for (const row of own) expect(Number(row.off_plane)).toBeGreaterThanOrEqual(0);
  }

  const landscape = JSON.parse(readFileSync(join(out, 'landscape.json'), 'utf8'));
  expect(landscape).toMatchObject({
    plane: 'weights',
    axis_labels: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'],
    explained_variance: null,
    complete: true,
    settled: true,
  });
  expect(landscape.interpolated.method).toBe('linear on a Delaunay triangulation (delaunator)');
  expect(landscape.interpolated.losses.flat().some((loss: number | null) => loss !== null)).toBe(true);

  // The directions are the two weights' unit vectors: a single 1 in fc1.weight, 0 everywhere else.
  const { tensors } = decodeSafetensors(readFileSync(join(out, 'landscape.safetensors')));
  expect(floats(tensors['dir_x.fc1.weight'])).toEqual([1, 0]);
  expect(floats(tensors['dir_y.fc1.weight'])).toEqual([0, 1]);
  for (const name of ['fc1.bias', 'fc2.weight', 'fc2.bias']) {
    for (const prefix of ['dir_x.', 'dir_y.']) expect(floats(tensors[prefix + name]).every((value) => value === 0)).toBe(true);
    expect(tensors[`center.${name}`]).toBeDefined();
  }
});
