import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModelCheckpoint } from '../src/engine/nn/checkpoint';
import { cnnSmall } from '../src/engine/nn/presets';

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
