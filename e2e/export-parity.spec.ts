// The hand-off to PyTorch changes nothing: the browser's run (`npm run train`, WebGPU) and the
// exported project's run (`python3 train.py`, PyTorch on the CPU) start from the same weights,
// read the same batches in file order, and must agree on every step's training loss; and
// torchrun with 2 processes must follow 1 process. Both sides compute in float32, in different
// orders, so they agree to rounding, which a well-conditioned run keeps small (docs/export.md).

import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pythonWithTorch } from '../src/export/testing/python';
import { runTool } from './data-fixtures';

/** Relative agreement of every step's training loss the issue asks for. */
const LOSS_TOLERANCE = 1e-4;

/**
 * Every optimizer at settings that keep float32 rounding from growing: coupled weight decay in
 * Adam puts some elements' g + wd·θ near eps, where Adam's normalisation turns a rounding
 * difference into a different step (measured 2e-4 by step 19 at wd 5e-4, so AdamW carries the
 * decay here); K-FAC's and Shampoo's ridges and AdaHessian's eps are large enough that their
 * inverses do not amplify it (at the repository's CNN settings they differ by 1e-3..0.3 between
 * PyTorch's own float32 and float64 runs, as much as between the browser and PyTorch).
 */
const RUNS = `runs:
  - name: sgd
    optimizer: { type: sgd, lr: 0.01, momentum: 0.9, weight_decay: 5.0e-4 }
    schedule: { type: cosine }
  - name: adam
    optimizer: { type: adam, lr: 1.0e-3 }
  - name: adamw
    optimizer: { type: adamw, lr: 1.0e-3, weight_decay: 5.0e-4 }
  - name: adafisher
    optimizer: { type: adafisher, lr: 1.0e-4, tcov: 10, weight_decay: 5.0e-4 }
  - name: adafisherw
    optimizer: { type: adafisherw, lr: 1.0e-4, tcov: 10, weight_decay: 5.0e-4 }
  - name: kfac
    optimizer: { type: kfac, variant: asdl, lr: 0.03, momentum: 0.9, weight_decay: 5.0e-4, damping: 1.0e-2, interval: 10, clip: 1 }
  - name: shampoo
    optimizer: { type: shampoo, lr: 0.03, momentum: 0.9, weight_decay: 5.0e-4, damping: 1.0e-3, interval: 10, clip: 1, max_factor_dim: 1024 }
  - name: adahessian
    optimizer: { type: adahessian, lr: 0.01, eps: 0.1, weight_decay: 5.0e-4 }
`;

/**
 * resnet-mini at smaller learning rates and over 10 steps. Its BatchNorm over 8 images and its
 * ReLU and max-pool kinks turn rounding into different steps sooner: over 20 steps PyTorch's own
 * float32 and float64 runs differ by up to 2e-4, and a perturbation as small as AdaFisherW's
 * decay of 1.5e-8·θ a step moves the loss by 1e-3 (docs/export.md, section 7).
 */
const RESNET_RUNS = RUNS.replace('type: adam, lr: 1.0e-3', 'type: adam, lr: 3.0e-4')
  .replace('type: adamw, lr: 1.0e-3', 'type: adamw, lr: 3.0e-4')
  .replace('type: adafisher, lr: 1.0e-4', 'type: adafisher, lr: 3.0e-5')
  .replace('type: adafisherw, lr: 1.0e-4', 'type: adafisherw, lr: 3.0e-5')
  .replace('variant: asdl, lr: 0.03', 'variant: asdl, lr: 0.01')
  .replace('type: shampoo, lr: 0.03', 'type: shampoo, lr: 0.01')
  .replace('type: adahessian, lr: 0.01', 'type: adahessian, lr: 0.003')
  .replaceAll(', max_factor_dim: 1024', '');

const imageSetup = (model: string, steps: number) => `model: ${model}
batch_size: 8
steps: ${steps}
seed: 0
log_every: 1
data:
  source: synthetic
  train_size: 160
  test_size: 16
  augment: none
  shuffle: false
`;

const textSetup = (steps: number) => `task: language-modeling
model: gpt1-tiny
batch_size: 2
steps: ${steps}
seed: 0
log_every: 1
data:
  source: synthetic
  train_size: 200
  test_size: 10
  shuffle: false
`;

/** Each step's training loss from a metrics.csv. */
function trainLosses(file: string): number[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const column = header.split(',').indexOf('train_loss');
  return rows.map((row) => Number(row.split(',')[column])).filter((value) => Number.isFinite(value));
}

/** The worst relative difference of two runs' per-step losses, and its step (from 1). */
function worstDifference(expected: number[], actual: number[]): { relative: number; step: number } {
  expect(actual.length, 'steps logged').toBe(expected.length);
  let worst = { relative: 0, step: 0 };
  expected.forEach((value, i) => {
    const relative = Math.abs(actual[i] - value) / Math.abs(value);
    if (relative > worst.relative) worst = { relative, step: i + 1 };
  });
  return worst;
}

/** Writes the config, exports it, and returns the folders: config file, export, a scratch dir. */
async function exported(name: string, yaml: string): Promise<{ config: string; project: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `export-parity-${name}-`));
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, yaml);
  const project = join(dir, 'project');
  const result = await runTool(['scripts/export.ts', '--config', config, '--out', project]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  return { config, project, dir };
}

function runPython(project: string, args: string[]): void {
  const result = spawnSync(pythonWithTorch(), args, {
    cwd: project,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  expect(result.status, `${args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(0);
}

for (const [model, steps, yaml] of [
  ['cnn-small', 20, imageSetup('cnn-small', 20) + RUNS],
  ['resnet-mini', 10, imageSetup('resnet-mini', 10) + RESNET_RUNS],
  ['gpt1-tiny', 20, textSetup(20) + RUNS.replaceAll(', max_factor_dim: 1024', '')],
] as const) {
  test(`${model}: the exported PyTorch project follows the browser's losses step for step under every optimizer`, async () => {
    test.setTimeout(900_000);
    const { config, project, dir } = await exported(model, yaml);
    const browser = join(dir, 'browser');
    const train = await runTool(['scripts/train.ts', '--config', config, '--out', browser], 900_000);
    expect(train.status, train.stderr + train.stdout).toBe(0);
    const pytorch = join(dir, 'pytorch');
    runPython(project, ['train.py', '--out', pytorch]);
    const runs = (parse(yaml) as { runs: { name: string }[] }).runs.map((run) => run.name);
    const lines: string[] = [];
    for (const run of runs) {
      const expected = trainLosses(join(browser, run, 'metrics.csv'));
      expect(expected.length, `${run}: steps in the browser`).toBe(steps);
      const worst = worstDifference(expected, trainLosses(join(pytorch, run, 'metrics.csv')));
      lines.push(`${run} ${worst.relative.toExponential(2)} (step ${worst.step})`);
      expect(worst.relative, `${model} ${run}: worst relative loss difference, at step ${worst.step}`).toBeLessThan(LOSS_TOLERANCE);
    }
    console.info(`${model}, browser vs PyTorch, worst relative loss difference over ${steps} steps: ${lines.join(', ')}`);
  });
}

test('torchrun with 2 processes (gloo) follows 1 process on cnn-small under AdaFisher and Adam', async () => {
  test.setTimeout(600_000);
  const yaml = `${imageSetup('cnn-small', 10)}runs:
  - name: adafisher
    optimizer: { type: adafisher, lr: 1.0e-4, tcov: 5, weight_decay: 5.0e-4 }
  - name: adam
    optimizer: { type: adam, lr: 1.0e-3 }
`;
  const { project, dir } = await exported('torchrun', yaml);
  runPython(project, ['train.py', '--out', join(dir, 'one')]);
  // --redirects 1 --tee 1: Debian 12's torch 1.13 on Python 3.11 fails in torchrun's default log
  // redirection before starting a worker; the flags take another path (docs/export.md).
  const port = String(20_000 + Math.floor(Math.random() * 20_000));
  runPython(project, [
    '-m',
    'torch.distributed.run',
    '--redirects',
    '1',
    '--tee',
    '1',
    '--master_port',
    port,
    '--nproc_per_node',
    '2',
    'train.py',
    '--out',
    join(dir, 'two'),
  ]);
  const lines: string[] = [];
  for (const run of ['adafisher', 'adam']) {
    const one = trainLosses(join(dir, 'one', run, 'metrics.csv'));
    expect(one.length).toBe(10);
    const worst = worstDifference(one, trainLosses(join(dir, 'two', run, 'metrics.csv')));
    lines.push(`${run} ${worst.relative.toExponential(2)} (step ${worst.step})`);
    expect(worst.relative, `${run}: 2 processes against 1, at step ${worst.step}`).toBeLessThan(LOSS_TOLERANCE);
  }
  console.info(`cnn-small, torchrun 2 processes vs 1, worst relative loss difference over 10 steps: ${lines.join(', ')}`);
});
