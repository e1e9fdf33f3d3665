// The exported project's K-FAC (both variants), Shampoo and AdaHessian against the engine's
// float64 twins: the same tiny model (a hand-written PyTorch copy of tinyGraph), the same
// initial weights and batches, ten-odd steps in float64 on both sides. Losses and final weights
// must agree to 1e-9 relative, which needs the Philox streams to match exactly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adahessianSchema, kfacSchema, shampooSchema, type OptimizerConfig, type ParamGroupConfig, type ScheduleConfig } from '../engine/config/run-config';
import { philox4x32_10, philoxUniform } from '../engine/kernels/philox/philox.ref';
import { powerIterationStart } from '../engine/kernels/matrix-root/matrix-root.ref';
import { sampleLabels } from '../engine/kernels/sample-labels/sample-labels.ref';
import { randomModelBatch } from '../engine/nn/device-check';
import { initialParameters } from '../engine/nn/parameters';
import { ReferenceModel } from '../engine/nn/reference-model';
import { createReferenceAdaHessian, rademacher } from '../engine/optim/adahessian.ref';
import { createReferenceNotebookKfac } from '../engine/optim/kfac-notebook.ref';
import { createReferenceKfac } from '../engine/optim/kfac.ref';
import type { ReferenceOptimizer } from '../engine/optim/optimizer';
import { createReferenceShampoo } from '../engine/optim/shampoo.ref';
import { graphWithGroups, resolveParameterGroups, type ResolvedParameterGroups } from '../engine/optim/param-groups';
import { learningRate } from '../engine/optim/schedule';
import { tinyGraph } from '../engine/testing/tiny-graph';
import { pythonWithTorch } from './testing/python';

const PYTHON_DIR = resolve(__dirname, 'python');

/** tinyGraph as a PyTorch module with the playground's state_dict names, modules in graph order. */
const TINY_MODEL = `
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, stride=1, padding=1, bias=True)
        self.bn1 = nn.BatchNorm2d(4, eps=1e-5, momentum=0.1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 4, 3, stride=1, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(64, 10, bias=True)

    def forward(self, x):
        y = self.relu1(self.bn1(self.conv1(x)))
        s = self.conv2(y) + y
        return self.fc(torch.flatten(self.pool(s), 1))
`;

const DRIVER = `
import json
import sys

import torch

torch.set_default_dtype(torch.float64)
sys.path.insert(0, sys.argv[1])
from optim_common import Setup
from adahessian import AdaHessian
from kfac import KFAC
from shampoo import Shampoo
from tiny_model import Tiny

case = json.load(open(sys.argv[2]))
model = Tiny().double()
with torch.no_grad():
    for name, tensor in model.state_dict().items():
        if name in case['init']:
            tensor.copy_(torch.tensor(case['init'][name], dtype=torch.float64).view_as(tensor))
info = {'preset': 'tiny', 'task': 'image-classification', 'input_shape': [3, 8, 8], 'classes': 10, 'frozen': [],
        'layers': [{'name': 'conv1', 'kind': 'conv2d'}, {'name': 'bn1', 'kind': 'batchnorm2d'}, {'name': 'conv2', 'kind': 'conv2d'}, {'name': 'fc', 'kind': 'linear'}]}
setup = Setup(seed=case['seed'], stream=case['stream'], total_steps=len(case['batches']), model_info=info, distributed=False, world_size=1)
optimizer = {'kfac': KFAC, 'shampoo': Shampoo, 'adahessian': AdaHessian}[case['run']['optimizer']['type']](model, case['run'], setup)
losses, lrs = [], []
for step, batch in enumerate(case['batches']):
    x = torch.tensor(batch['inputs'], dtype=torch.float64).view(-1, 3, 8, 8)
    y = torch.tensor(batch['labels'], dtype=torch.int64)
    lrs.append(optimizer.lr_at(step))
    losses.append(optimizer.train_step(step, x, y).loss)
json.dump({'losses': losses, 'lrs': lrs, 'params': {name: t.flatten().tolist() for name, t in model.state_dict().items()}}, open(sys.argv[3], 'w'))
`;

const PHILOX_DRIVER = `
import json
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import philox

spec = json.load(open(sys.argv[2]))
logits = np.array(spec['logits']).reshape(-1, spec['classes'])
u = philox.uniforms(logits.shape[0], spec['seed'], spec['stream'], spec['step'])
json.dump({
    'words': [[int(w[0]) for w in philox.philox4x32_10(tuple(c), tuple(k))] for c, k in spec['blocks']],
    'uniforms': philox.uniforms(37, spec['seed'], spec['stream'], spec['step']).tolist(),
    'rademacher': philox.rademacher(spec['seed'], spec['stream'], 3, spec['step'], 29).tolist(),
    'start': philox.power_iteration_start(13, spec['seed'], spec['stream'], spec['step'], 2).tolist(),
    'labels': philox.sample_labels(logits, np.array(spec['labels']), u, spec['classes']).tolist(),
}, open(sys.argv[3], 'w'))
`;

interface Case {
  name: string;
  optimizer: OptimizerConfig;
  groups?: ParamGroupConfig[];
  steps: number;
  batch: number;
}

const SCHEDULE: ScheduleConfig = { type: 'cosine', warmup_steps: 2, final_fraction: 0.1 };
const SEED = 5;
const STREAM = 3;

const CASES: Case[] = [
  {
    // fc's input has 6 rows of 64 columns: its A⁻¹ goes by the Woodbury identity, the convolutions' by Cholesky.
    name: 'K-FAC asdl (sampled labels, Cholesky and Woodbury inverses, groups)',
    optimizer: kfacSchema.parse({ type: 'kfac', lr: 0.05, weight_decay: 5e-4, interval: 3, clip: 0.5 }),
    groups: [
      { params: 'fc.bias', lr: 0.02, weight_decay: 0.01 },
      { params: 'bn1.*', weight_decay: 0 },
    ],
    steps: 10,
    batch: 6,
  },
  {
    // 12 rows of 64 for fc, so every layer takes Cholesky.
    name: 'K-FAC asdl with every inverse by Cholesky',
    optimizer: kfacSchema.parse({ type: 'kfac', lr: 0.05, interval: 2, damping: 0.01 }),
    steps: 8,
    batch: 80,
  },
  {
    // 22 steps: the delayed weight decay joins from step 20 · interval = 20.
    name: 'K-FAC notebook (running factors, eigendecompositions, KL clip, delayed weight decay)',
    optimizer: kfacSchema.parse({ type: 'kfac', variant: 'notebook', lr: 0.05, weight_decay: 1e-3, interval: 1, inverse_interval: 3, damping: 0.01 }),
    steps: 22,
    batch: 6,
  },
  {
    name: 'Shampoo (statistics, power iteration, coupled Newton roots, groups)',
    optimizer: shampooSchema.parse({ type: 'shampoo', lr: 0.05, weight_decay: 1e-4, interval: 2, damping: 1e-6, max_factor_dim: 30 }),
    groups: [{ params: 'conv2.weight', lr: 0.02 }],
    steps: 10,
    batch: 6,
  },
  {
    name: 'AdaHessian (Rademacher vectors, central difference on frozen kinks, groups)',
    optimizer: adahessianSchema.parse({ type: 'adahessian', lr: 0.05, weight_decay: 1e-3, hessian_power: 0.5 }),
    groups: [{ params: 'conv1.*', lr: 0.02, weight_decay: 0.01 }],
    steps: 10,
    batch: 6,
  },
];

/** The engine's float64 twin of a second-order optimizer (optim/index.ts without its GPU imports). */
function twinOf(model: ReferenceModel, optimizer: OptimizerConfig, groups: ResolvedParameterGroups): ReferenceOptimizer {
  const randomness = { seed: SEED, stream: STREAM };
  switch (optimizer.type) {
    case 'kfac':
      return optimizer.variant === 'notebook' ? createReferenceNotebookKfac(model, optimizer) : createReferenceKfac(model, optimizer, randomness, groups);
    case 'shampoo':
      return createReferenceShampoo(model, optimizer, randomness, groups);
    case 'adahessian':
      return createReferenceAdaHessian(model, optimizer, { randomness, groups });
    default:
      throw new Error(`no second-order twin for ${optimizer.type}`);
  }
}

let python = '';
let dir = '';

beforeAll(() => {
  python = pythonWithTorch();
  dir = mkdtempSync(join(tmpdir(), 'second-order-python-'));
  writeFileSync(join(dir, 'tiny_model.py'), TINY_MODEL);
  writeFileSync(join(dir, 'driver.py'), DRIVER);
  writeFileSync(join(dir, 'philox_driver.py'), PHILOX_DRIVER);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runPython(script: string, input: unknown, name: string): Record<string, unknown> {
  const inputPath = join(dir, `${name}.in.json`);
  const outputPath = join(dir, `${name}.out.json`);
  writeFileSync(inputPath, JSON.stringify(input));
  // The driver puts the project's files first on sys.path, after its own folder (the model).
  execFileSync(python, [join(dir, script), PYTHON_DIR, inputPath, outputPath], {
    cwd: dir,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: dir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(readFileSync(outputPath, 'utf8')) as Record<string, unknown>;
}

describe('philox.py', () => {
  it("draws the engine's words, uniforms, Rademacher signs, power-iteration starts and sampled labels", () => {
    const [seed, stream, step, classes] = [123456789, 4, 17, 7];
    const blocks: [number[], number[]][] = [
      [
        [0, 0, 0, 0],
        [0, 0],
      ],
      [
        [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
        [0xa4093822, 0x299f31d0],
      ],
      [
        [5, 17, 2, 0],
        [seed, stream],
      ],
    ];
    const logits = Array.from({ length: 40 * classes }, (_, i) => Math.sin(i * 1.7) * 3);
    const labels = Array.from({ length: 40 }, (_, i) => (i === 5 ? 0xffffffff : i % classes));
    const out = runPython('philox_driver.py', { seed, stream, step, classes, blocks, logits, labels }, 'philox');
    expect(out.words).toEqual(blocks.map(([counter, key]) => philox4x32_10(counter as [number, number, number, number], key as [number, number])));
    expect(out.uniforms).toEqual([...philoxUniform(37, seed, stream, step)]);
    expect(out.rademacher).toEqual([...rademacher({ seed, stream }, 3, step, 29)]);
    expect(out.start).toEqual([...powerIterationStart(13, seed, stream, step, 2)]);
    expect(out.labels).toEqual([...sampleLabels(logits, labels, 40, classes, seed, stream, step)]);
  });
});

describe('K-FAC, Shampoo and AdaHessian in the exported project', () => {
  it.each(CASES)('$name follows the float64 twin to 1e-9', ({ optimizer, groups, steps, batch, name }) => {
    const graph0 = tinyGraph();
    const resolved = resolveParameterGroups(graph0, groups, optimizer, 'test');
    const graph = graphWithGroups(graph0, resolved);
    const initial = initialParameters(graph, 11);
    const reference = new ReferenceModel(graph, batch, initial);
    const twin = twinOf(reference, optimizer, resolved);
    const batches = [];
    const losses: number[] = [];
    const lrs: number[] = [];
    for (let step = 0; step < steps; step++) {
      const { inputs, labels } = randomModelBatch(1000 + step, graph, batch);
      batches.push({ inputs: [...inputs], labels: [...labels] });
      const lr = learningRate(SCHEDULE, optimizer.lr, step, steps);
      lrs.push(lr);
      losses.push(reference.forward(inputs, labels, true).loss);
      reference.backward();
      twin.step(step, lr);
    }
    const run = { name, optimizer, schedule: SCHEDULE, param_groups: groups ?? [] };
    const init = Object.fromEntries([...initial].map(([key, values]) => [key, [...values]]));
    const out = runPython('driver.py', { seed: SEED, stream: STREAM, run, init, batches }, optimizer.type) as {
      losses: number[];
      lrs: number[];
      params: Record<string, number[]>;
    };
    expect(out.lrs).toEqual(lrs);
    const lossErrors = losses.map((loss, step) => Math.abs(out.losses[step] - loss) / Math.abs(loss));
    expect(Math.max(...lossErrors)).toBeLessThan(1e-9);
    // Each tensor against its own largest entry (a thousandth of the model's largest at least).
    const floor = 1e-3 * Math.max(...[...reference.params.values()].map((values) => Math.max(...values.map(Math.abs))));
    for (const [key, values] of reference.params) {
      const got = out.params[key];
      expect(got, key).toHaveLength(values.length);
      const scale = Math.max(floor, ...values.map(Math.abs));
      const worst = Math.max(...values.map((v, i) => Math.abs(got[i] - v)));
      expect(worst / scale, key).toBeLessThan(1e-9);
    }
  });
});
