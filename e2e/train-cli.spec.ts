import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModelCheckpoint } from '../src/engine/nn/checkpoint';
import { cnnSmall } from '../src/engine/nn/presets';
import { cifarBatch, gzip, writeTar } from '../src/engine/testing/data/file-fixtures';

// The command line drives its own Chromium; it needs only the build this suite already made.
function train(args: string[]) {
  return spawnSync('npx', ['tsx', 'scripts/train.ts', ...args], { encoding: 'utf8', timeout: 600_000 });
}

test('npm run train with the cnn-small AdaFisher config writes metrics, summary and weights', async () => {
  test.setTimeout(660_000);
  const out = mkdtempSync(join(tmpdir(), 'train-'));
  const result = train(['--config', 'configs/cnn-small-adafisher.yaml', '--steps', '20', '--batch', '32', '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/\[adafisher\] step 20\/20/);

  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('step,epoch,train_loss,train_accuracy,lr,ms_per_step,wall_time,test_loss,test_accuracy');
  expect(csv.map((line) => line.split(',')[0]).slice(1)).toEqual(['1', '10', '20']);
  expect(csv.at(-1)!.split(',')[7]).not.toBe(''); // evaluated at the end

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ steps: 20, state: 'finished', optimizer: 'adafisher' });
  for (const key of ['train_loss_first', 'train_loss_last', 'test_accuracy', 'test_loss', 'ms_per_step_median']) expect(typeof summary[key]).toBe('number');
  expect(summary.adapter).toMatch(/swiftshader|\w+/i);
  expect(summary.train_loss_last).toBeLessThan(summary.train_loss_first);

  const weights = decodeModelCheckpoint(cnnSmall(), readFileSync(join(out, 'final.safetensors')));
  expect(weights.values.get('fc.weight')).toHaveLength(10 * 2048);
});

test("a config's profile section writes each profiled step to profile.json; summary.json says how steps were timed and the first step's parts", async () => {
  test.setTimeout(300_000);
  const folder = mkdtempSync(join(tmpdir(), 'profile-'));
  const config = join(folder, 'profile.yaml');
  writeFileSync(
    config,
    [
      'model: cnn-small',
      'batch_size: 8',
      'steps: 4',
      'log_every: 2',
      'data: { source: synthetic, train_size: 64, test_size: 16 }',
      'runs:',
      '  - { name: adam, optimizer: { type: adam, lr: 0.001 } }',
      '  - { name: sgd, optimizer: { type: sgd, lr: 0.01 } }',
      'profile: { steps: [3], runs: [adam] }',
      '',
    ].join('\n'),
  );
  const result = train(['--config', config, '--out', join(folder, 'out')]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/\[adam\] profile of step 3 \((GPU timestamps|op by op)\): \d+\.\d ms over \d+ dispatches; forward/);
  const written = JSON.parse(readFileSync(join(folder, 'out', 'adam', 'profile.json'), 'utf8'));
  expect(written.run).toBe('adam');
  expect(written.profiles.map((p: { step: number }) => p.step)).toEqual([3]);
  const [profile] = written.profiles;
  expect(profile.by_phase.map((g: { name: string }) => g.name)).toEqual(['forward', 'backward', 'optimizer']);
  expect(profile.dispatches.length).toBe(profile.by_phase.reduce((sum: number, g: { dispatches: number }) => sum + g.dispatches, 0));
  expect(existsSync(join(folder, 'out', 'sgd', 'profile.json'))).toBe(false);
  const summary = JSON.parse(readFileSync(join(folder, 'out', 'sgd', 'summary.json'), 'utf8'));
  expect(['gpu-timestamps', 'completions']).toContain(summary.step_times);
  expect(summary.first_step.first_step_ms).toBeGreaterThan(0);
  expect(summary.first_step.pipelines_compiled).toBeGreaterThan(0);
});

test('a bad config value ends with its path, the allowed range and a non-zero exit', async () => {
  const config = join(mkdtempSync(join(tmpdir(), 'config-')), 'bad.yaml');
  writeFileSync(config, 'steps: 5\nruns:\n  - name: a\n    optimizer: { type: adafisher, lr: -1, tcov: 0 }\n');
  const invalid = train(['--config', config]);
  expect(invalid.status).toBe(1);
  expect(invalid.stderr).toContain('runs[0].optimizer.lr: must be >= 0 (got -1)');
  expect(invalid.stderr).toContain('runs[0].optimizer.tcov: must be > 0 (got 0)');
  const result = train(['--config', 'configs/cnn-small-adafisher.yaml', '--batch', '0']);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('--batch must be a positive whole number, got "0"');
  const missing = train(['--config', 'configs/nope.yaml']);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('Config file not found: configs/nope.yaml');
  expect(existsSync('runs/nope')).toBe(false);
});

test('--help lists every option', async () => {
  const result = train(['--help']);
  expect(result.status).toBe(0);
  for (const option of ['--config', '--steps', '--batch', '--out', '--init', '--data', '--help']) expect(result.stdout).toContain(option);
});

/** Tiny CIFAR-10 batch files in the official record format: 16 images per file, labels 0..9. */
function cifarFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
  names.forEach((name, file) => {
    const labels = Array.from({ length: 16 }, (_, i) => (i + file) % 10);
    files.set(
      name,
      cifarBatch(labels, (record, index) => (labels[record] * 25 + (index % 7)) & 0xff),
    );
  });
  return files;
}

test('trains on CIFAR-10 files and on the official archive given with --data', async () => {
  test.setTimeout(600_000);
  const folder = mkdtempSync(join(tmpdir(), 'cifar-'));
  for (const [name, bytes] of cifarFiles()) writeFileSync(join(folder, name), bytes);
  const fromFolder = train(['--config', 'configs/cnn-small-adam.yaml', '--data', folder, '--steps', '2', '--batch', '8', '--out', join(folder, 'out')]);
  expect(fromFolder.status, fromFolder.stderr + fromFolder.stdout).toBe(0);
  expect(JSON.parse(readFileSync(join(folder, 'out', 'summary.json'), 'utf8'))).toMatchObject({ steps: 2, state: 'finished' });

  const archive = join(folder, 'cifar-10-binary.tar.gz');
  const entries = [...cifarFiles()].map(([name, data]) => ({ name: `cifar-10-batches-bin/${name}`, data }));
  writeFileSync(archive, await gzip(writeTar(entries)));
  const fromArchive = train(['--config', 'configs/cnn-small-adam.yaml', '--data', archive, '--steps', '2', '--batch', '8', '--out', join(folder, 'out2')]);
  expect(fromArchive.status, fromArchive.stderr + fromArchive.stdout).toBe(0);
});

test('refuses a truncated CIFAR-10 file, naming it', async () => {
  test.setTimeout(300_000);
  const folder = mkdtempSync(join(tmpdir(), 'cifar-bad-'));
  for (const [name, bytes] of cifarFiles()) writeFileSync(join(folder, name), name === 'data_batch_3.bin' ? bytes.subarray(0, bytes.length - 100) : bytes);
  const result = train(['--config', 'configs/cnn-small-adam.yaml', '--data', folder, '--steps', '2', '--batch', '8', '--out', join(folder, 'out')]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/data_batch_3\.bin/);
  expect(result.stderr).toMatch(/truncated|whole number of/i);
});
