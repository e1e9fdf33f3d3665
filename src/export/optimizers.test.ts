// The exported project's optimizers (src/export/python) against the engine's float64 reference
// optimizers: the same graph, initial weights and batches, trained in float64 on both sides;
// each step's loss and the final weights must agree to 1e-9 relative.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSchema, type RunSpec } from '../engine/config/run-config';
import { randomModelBatch } from '../engine/nn/device-check';
import { GRAPH_INPUT, type ModelGraph } from '../engine/nn/graph';
import { initialParameters } from '../engine/nn/parameters';
import { ReferenceModel } from '../engine/nn/reference-model';
import { createReferenceOptimizer } from '../engine/optim/reference-optimizer';
import { DEFAULT_RANDOMNESS } from '../engine/optim/optimizer';
import { graphWithGroups, resolveParameterGroups } from '../engine/optim/param-groups';
import { learningRate } from '../engine/optim/schedule';
import { tinyGraph } from '../engine/testing/tiny-graph';
import { pythonWithTorch } from './testing/python';

const PYTHON_SOURCES = join(__dirname, 'python');
const CHECK_SCRIPT = join(__dirname, 'testing', 'optimizer_check.py');
const STEPS = 10;
const TOLERANCE = 1e-9;

/** Embeddings, LayerNorm and Linear on (B, T, C) rows, and an output tied to the token table (optimizer_check.py's tiny-token). */
function tinyTokenGraph(): ModelGraph {
  return {
    preset: 'tiny-token',
    task: 'language-modeling',
    init: 'gpt',
    inputShape: [5],
    classes: 11,
    output: 'logits',
    nodes: [
      { op: 'embedding', tokenTable: 'tok_emb', positionTable: 'pos_emb', input: GRAPH_INPUT, output: 'embed', vocab: 11, context: 5, width: 8 },
      { op: 'layernorm', name: 'ln', input: 'embed', output: 'ln', features: 8, eps: 1e-5 },
      { op: 'linear', name: 'fc', input: 'ln', output: 'fc', inFeatures: 8, outFeatures: 8, bias: true },
      { op: 'relu', input: 'fc', output: 'relu' },
      { op: 'tied_linear', table: 'tok_emb', input: 'relu', output: 'logits', width: 8, vocab: 11 },
    ],
  };
}

const MODELS = { 'tiny-conv': { graph: tinyGraph(), batch: 4 }, 'tiny-token': { graph: tinyTokenGraph(), batch: 3 } };

interface Case {
  name: string;
  model: keyof typeof MODELS;
  run: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    name: 'sgd-nesterov',
    model: 'tiny-conv',
    run: {
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 1e-3 },
      schedule: { type: 'cosine', warmup_steps: 2, final_fraction: 0.1 },
    },
  },
  { name: 'sgd-dampening', model: 'tiny-token', run: { optimizer: { type: 'sgd', lr: 0.1, momentum: 0.8, dampening: 0.3, weight_decay: 1e-2 } } },
  {
    name: 'adam',
    model: 'tiny-conv',
    run: { optimizer: { type: 'adam', lr: 1e-2, weight_decay: 5e-4 }, schedule: { type: 'cosine', warmup_steps: 0, final_fraction: 0 } },
  },
  { name: 'adamw', model: 'tiny-token', run: { optimizer: { type: 'adamw', lr: 1e-2, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.1 } } },
  {
    name: 'adafisher-conv-batchnorm',
    model: 'tiny-conv',
    run: { optimizer: { type: 'adafisher', lr: 1e-4, tcov: 3, weight_decay: 5e-4 }, schedule: { type: 'cosine', warmup_steps: 1, final_fraction: 0 } },
  },
  { name: 'adafisher-paper-average', model: 'tiny-conv', run: { optimizer: { type: 'adafisher', lr: 1e-4, tcov: 2, average: 'paper', damping: 1e-2 } } },
  {
    name: 'adafisherw-layernorm-embeddings',
    model: 'tiny-token',
    run: { optimizer: { type: 'adafisherw', lr: 1e-4, tcov: 2, weight_decay: 0.1 } },
  },
  {
    name: 'adafisher-param-groups',
    model: 'tiny-conv',
    run: {
      optimizer: { type: 'adafisher', lr: 1e-4, tcov: 4, weight_decay: 5e-4 },
      param_groups: [
        { params: '*.bias', lr: 3e-4, weight_decay: 0 },
        { params: ['fc.weight', 'bn1.weight'], lr: 5e-5 },
      ],
    },
  },
  {
    name: 'adamw-param-groups-frozen',
    model: 'tiny-token',
    run: {
      optimizer: { type: 'adamw', lr: 1e-2, weight_decay: 0.1 },
      param_groups: [
        { params: 'pos_emb.weight', frozen: true },
        { params: ['ln.*', '*.bias'], weight_decay: 0 },
        { params: 'fc.weight', lr: 3e-2 },
      ],
    },
  },
  {
    name: 'sgd-param-groups',
    model: 'tiny-conv',
    run: { optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weight_decay: 1e-3 }, param_groups: [{ params: 'conv*', lr: 0.01, weight_decay: 0 }] },
  },
];

interface Expected {
  losses: number[];
  lrs: number[];
  final: Map<string, Float64Array>;
}

/** The engine's run of a case: the float64 ReferenceModel and reference optimizer, as compare-training.ts drives them. */
function engineRun(
  spec: RunSpec,
  graph: ModelGraph,
  batch: number,
  initial: Map<string, Float32Array>,
  batches: ReturnType<typeof randomModelBatch>[],
): Expected {
  const groups = resolveParameterGroups(graph, spec.param_groups, spec.optimizer, spec.name);
  const model = new ReferenceModel(graphWithGroups(graph, groups), batch, initial);
  const optimizer = createReferenceOptimizer(model, spec.optimizer, DEFAULT_RANDOMNESS, groups);
  const losses: number[] = [];
  const lrs: number[] = [];
  batches.forEach(({ inputs, labels }, step) => {
    const lr = learningRate(spec.schedule, spec.optimizer.lr, step, STEPS);
    losses.push(model.forward(inputs, labels, true).loss);
    model.backward();
    optimizer.step(step, lr);
    lrs.push(lr);
  });
  return { losses, lrs, final: model.params };
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

type PythonResults = Record<string, { losses?: number[]; lrs?: number[]; final?: Record<string, number[]>; error?: string }>;

/** A case as optimizer_check.py reads it, with the engine's run of it. */
function prepareCase(testCase: Case, batch: number) {
  const { graph } = MODELS[testCase.model];
  const spec = runSchema.parse({ name: testCase.name, ...testCase.run });
  const initial = initialParameters(graph, 7);
  const batches = Array.from({ length: STEPS }, (_, step) => randomModelBatch(100 + step, graph, batch));
  const payload = {
    name: testCase.name,
    model: testCase.model,
    batch,
    run: spec,
    initial: Object.fromEntries([...initial].map(([name, values]) => [name, [...values]])),
    batches: batches.map(({ inputs, labels }) => ({ inputs: [...inputs], labels: [...labels] })),
  };
  return { payload, expected: engineRun(spec, graph, batch, initial, batches) };
}

/** Copies the exported sources and optimizer_check.py into a new temporary folder. */
function projectFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'export-optimizers-'));
  for (const file of readdirSync(PYTHON_SOURCES)) if (file.endsWith('.py')) copyFileSync(join(PYTHON_SOURCES, file), join(dir, file));
  copyFileSync(CHECK_SCRIPT, join(dir, 'optimizer_check.py'));
  return dir;
}

/** Runs optimizer_check.py on `payload` (through `launcher`'s arguments before the script) and reads its results. */
function runCheck(python: string, dir: string, payload: unknown[], launcher: string[] = []): PythonResults {
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(payload));
  const child = spawnSync(python, [...launcher, 'optimizer_check.py', 'cases.json', 'results.json'], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  if (child.status !== 0) throw new Error(`optimizer_check.py failed (${child.error?.message ?? `exit ${child.status}`}):\n${child.stdout}\n${child.stderr}`);
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as PythonResults;
}

/** Every step's loss and lr, and every final tensor as compare-training.ts measures it, within `tolerance`. */
function expectAgreement(got: PythonResults[string], want: Expected, tolerance: number, startWeights: Map<string, Float32Array>): void {
  expect(got.error).toBeUndefined();
  expect(got.losses).toHaveLength(STEPS);
  got.losses!.forEach((loss, step) => expect(relativeError(loss, want.losses[step]), `loss at step ${step}`).toBeLessThan(tolerance));
  got.lrs!.forEach((lr, step) => expect(relativeError(lr, want.lrs[step]), `lr at step ${step}`).toBeLessThan(1e-15));
  // Each tensor against its own largest entry, or a thousandth of the model's largest.
  const largest = Math.max(...[...want.final.values()].map((values) => Math.max(...values.map(Math.abs))));
  for (const [name, values] of want.final) {
    const actual = got.final![name];
    expect(actual, name).toHaveLength(values.length);
    const scale = Math.max(Math.max(...values.map(Math.abs)), 1e-3 * largest);
    const worst = Math.max(...values.map((value, i) => Math.abs(actual[i] - value)));
    expect(worst / scale, name).toBeLessThan(tolerance);
  }
  // The weights moved, so agreement is not the trivial one of two untouched models.
  const moved = Math.max(...[...want.final].map(([name, values]) => Math.max(...values.map((value, i) => Math.abs(value - startWeights.get(name)![i])))));
  expect(moved).toBeGreaterThan(1e-4);
}

describe('exported optimizers against the engine (float64)', () => {
  let dir = '';
  let python = '';
  const expected = new Map<string, Expected>();
  let results: PythonResults = {};

  beforeAll(() => {
    python = pythonWithTorch();
    dir = projectFolder();
    const payload = CASES.map((testCase) => {
      const prepared = prepareCase(testCase, MODELS[testCase.model].batch);
      expected.set(testCase.name, prepared.expected);
      return prepared.payload;
    });
    payload.push({ ...payload[0], name: 'unknown-type', run: { ...payload[0].run, optimizer: { ...payload[0].run.optimizer, type: 'lion' } as never } });
    payload.push({ ...payload[0], name: 'unmatched-pattern', run: { ...payload[0].run, param_groups: [{ params: 'head.*', lr: 0.1 }] } });
    results = runCheck(python, dir, payload);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: ${STEPS} steps of losses and the final weights agree to ${TOLERANCE} relative`, () => {
      expectAgreement(results[testCase.name], expected.get(testCase.name)!, TOLERANCE, initialParameters(MODELS[testCase.model].graph, 7));
    });
  }

  it('an unknown optimizer type and a group pattern that matches nothing are refused by name', () => {
    expect(results['unknown-type'].error).toMatch(/optimizer type 'lion' is not one of sgd, adam, adamw, adafisher/);
    expect(results['unmatched-pattern'].error).toMatch(/param_groups\[0\]: pattern "head\.\*" matches no parameter/);
  });

  it('every exported Python source compiles', () => {
    const files = readdirSync(PYTHON_SOURCES).filter((file) => file.endsWith('.py'));
    // Byte code goes to the temporary folder, not next to the sources.
    const child = spawnSync(python, ['-m', 'py_compile', ...files.map((file) => join(PYTHON_SOURCES, file))], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: join(dir, 'pycache') },
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
  });
});

// Two processes with half the batch each must follow the engine's one process with the whole
// batch: DDP averages the gradients, AdaFisher averages its measurements. The models have no
// BatchNorm, whose batch statistics would be each process's own.
const DISTRIBUTED_CASES: Case[] = [
  { name: 'adam-2-processes', model: 'tiny-token', run: { optimizer: { type: 'adam', lr: 1e-2, weight_decay: 5e-4 } } },
  {
    name: 'adafisherw-2-processes',
    model: 'tiny-token',
    run: { optimizer: { type: 'adafisherw', lr: 1e-4, tcov: 2, weight_decay: 0.1 }, param_groups: [{ params: 'pos_emb.weight', frozen: true }] },
  },
];
const DISTRIBUTED_TOLERANCE = 1e-9;

describe('exported optimizers under torchrun --nproc_per_node=2 (gloo)', () => {
  let dir = '';
  const expected = new Map<string, Expected>();
  let results: PythonResults = {};

  beforeAll(() => {
    const python = pythonWithTorch();
    dir = projectFolder();
    const payload = DISTRIBUTED_CASES.map((testCase) => {
      const prepared = prepareCase(testCase, 4);
      expected.set(testCase.name, prepared.expected);
      return prepared.payload;
    });
    // Debian's torch 1.13 on Python 3.11 cannot parse torchrun's default --redirects 0 (Python
    // 3.11 no longer lists a flag enum's zero member), so stdout is redirected and teed.
    const port = String(29500 + Math.floor(Math.random() * 2000));
    results = runCheck(python, dir, payload, ['-m', 'torch.distributed.run', '--nproc_per_node=2', `--master_port=${port}`, '--redirects', '1', '--tee', '1']);
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const testCase of DISTRIBUTED_CASES) {
    it(`${testCase.name}: two half batches follow the engine's whole batch to ${DISTRIBUTED_TOLERANCE} relative over ${STEPS} steps`, () => {
      expectAgreement(results[testCase.name], expected.get(testCase.name)!, DISTRIBUTED_TOLERANCE, initialParameters(MODELS[testCase.model].graph, 7));
    });
  }
});
