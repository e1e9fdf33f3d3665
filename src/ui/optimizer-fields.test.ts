import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { optimizerSchema, parseRunConfig, runSchema, type RunSpec } from '../engine/config/run-config';
import { DEFAULT_RUNS, DEFAULT_TEXT_RUNS } from './default-runs';
import {
  defaultRun,
  duplicateRun,
  fieldsOf,
  formatFieldValue,
  MAX_NAME_LENGTH,
  MAX_RUNS,
  OPTIMIZER_LABELS,
  OPTIMIZER_TYPES,
  parseFieldInput,
  renameProblem,
  type OptimizerType,
} from './optimizer-fields';
import type { Task } from './setup';

type Section = OptimizerType | 'schedule';

const CONFIG_DIR = join(import.meta.dirname, '../../configs');

/** For every field of every section: text that is valid (and its value), text out of range, and what the refusal must say. */
const CASES: Record<Section, Record<string, { valid: [string, unknown]; invalid: string; says: RegExp }>> = {
  sgd: {
    lr: { valid: ['0.01', 0.01], invalid: '-1', says: /^must be >= 0 \(got -1\)$/ },
    momentum: { valid: ['0.9', 0.9], invalid: '1', says: /^must be in \[0, 1\) \(got 1\)$/ },
    dampening: { valid: ['1', 1], invalid: '-0.5', says: /^must be in \[0, 1\] \(got -0.5\)$/ },
    nesterov: { valid: ['true', true], invalid: 'yes', says: /true or false/ },
    weight_decay: { valid: ['5e-4', 5e-4], invalid: '-1e-3', says: /^must be >= 0 \(got -0.001\)$/ },
  },
  adam: {
    lr: { valid: ['1e-3', 1e-3], invalid: '-0.1', says: /^must be >= 0 \(got -0.1\)$/ },
    betas: { valid: ['0.8, 0.99', [0.8, 0.99]], invalid: '0.9, 1', says: /^β2: must be in \[0, 1\) \(got 1\)$/ },
    eps: { valid: ['1e-8', 1e-8], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    weight_decay: { valid: ['0', 0], invalid: '-2', says: /^must be >= 0 \(got -2\)$/ },
  },
  adamw: {
    lr: { valid: ['.002', 0.002], invalid: '-3', says: /^must be >= 0 \(got -3\)$/ },
    betas: { valid: ['[0.9, 0.95]', [0.9, 0.95]], invalid: '-0.1 0.999', says: /^β1: must be in \[0, 1\) \(got -0.1\)$/ },
    eps: { valid: ['1E-6', 1e-6], invalid: '-1e-8', says: /^must be > 0 \(got -1e-8\)$/ },
    weight_decay: { valid: ['0.1', 0.1], invalid: '-0.1', says: /^must be >= 0 \(got -0.1\)$/ },
  },
  adafisher: {
    lr: { valid: ['1e-4', 1e-4], invalid: '-1', says: /^must be >= 0 \(got -1\)$/ },
    beta: { valid: ['0', 0], invalid: '1.5', says: /^must be in \[0, 1\) \(got 1.5\)$/ },
    damping: { valid: ['1e-3', 1e-3], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    gammas: { valid: ['0.92, 0.008', [0.92, 0.008]], invalid: '(-0.1, 0.008)', says: /^γ0: must be in \[0, 1\) \(got -0.1\)$/ },
    average: { valid: ['paper', 'paper'], invalid: 'mean', says: /reference or paper/ },
    paper_gamma: { valid: ['0.8', 0.8], invalid: '-0.2', says: /^must be in \[0, 1\) \(got -0.2\)$/ },
    tcov: { valid: ['10', 10], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    weight_decay: { valid: ['5e-4', 5e-4], invalid: '-5e-4', says: /^must be >= 0 \(got -0.0005\)$/ },
  },
  adafisherw: {
    lr: { valid: ['0.001', 0.001], invalid: '-0.001', says: /^must be >= 0 \(got -0.001\)$/ },
    beta: { valid: ['0.95', 0.95], invalid: '-0.5', says: /^must be in \[0, 1\) \(got -0.5\)$/ },
    damping: { valid: ['0.01', 0.01], invalid: '-1e-3', says: /^must be > 0 \(got -0.001\)$/ },
    gammas: { valid: ['0.5 0.5', [0.5, 0.5]], invalid: '0.92, 1', says: /^γ1: must be in \[0, 1\) \(got 1\)$/ },
    average: { valid: ['reference', 'reference'], invalid: 'Paper', says: /reference or paper/ },
    paper_gamma: { valid: ['0.5', 0.5], invalid: '1', says: /^must be in \[0, 1\) \(got 1\)$/ },
    tcov: { valid: ['100', 100], invalid: '2.5', says: /^must be a whole number \(got 2.5\)$/ },
    weight_decay: { valid: ['0.1', 0.1], invalid: '-0.1', says: /^must be >= 0 \(got -0.1\)$/ },
  },
  kfac: {
    variant: { valid: ['notebook', 'notebook'], invalid: 'ekfac', says: /asdl or notebook/ },
    lr: { valid: ['0.3', 0.3], invalid: '-0.3', says: /^must be >= 0 \(got -0.3\)$/ },
    momentum: { valid: ['0.9', 0.9], invalid: '1', says: /^must be in \[0, 1\) \(got 1\)$/ },
    weight_decay: { valid: ['5e-4', 5e-4], invalid: '-1', says: /^must be >= 0 \(got -1\)$/ },
    damping: { valid: ['1e-3', 1e-3], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    interval: { valid: ['10', 10], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    clip: { valid: ['10', 10], invalid: '-1', says: /^must be > 0 \(got -1\)$/ },
    stat_decay: { valid: ['0.95', 0.95], invalid: '1', says: /^must be in \[0, 1\) \(got 1\)$/ },
    inverse_interval: { valid: ['100', 100], invalid: '2.5', says: /^must be a whole number \(got 2.5\)$/ },
    kl_clip: { valid: ['1e-3', 1e-3], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
  },
  shampoo: {
    lr: { valid: ['3e-3', 3e-3], invalid: '-1', says: /^must be >= 0 \(got -1\)$/ },
    momentum: { valid: ['0', 0], invalid: '-0.1', says: /^must be in \[0, 1\) \(got -0.1\)$/ },
    weight_decay: { valid: ['0.1', 0.1], invalid: '-0.1', says: /^must be >= 0 \(got -0.1\)$/ },
    damping: { valid: ['1e-12', 1e-12], invalid: '-1e-12', says: /^must be > 0 \(got -1e-12\)$/ },
    interval: { valid: ['1', 1], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    clip: { valid: ['1', 1], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    max_factor_dim: { valid: ['1024', 1024], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
  },
  adahessian: {
    lr: { valid: ['0.15', 0.15], invalid: '-0.15', says: /^must be >= 0 \(got -0.15\)$/ },
    betas: { valid: ['0.9, 0.999', [0.9, 0.999]], invalid: '1, 0.999', says: /^β1: must be in \[0, 1\) \(got 1\)$/ },
    eps: { valid: ['1e-4', 1e-4], invalid: '0', says: /^must be > 0 \(got 0\)$/ },
    weight_decay: { valid: ['5e-4', 5e-4], invalid: '-5e-4', says: /^must be >= 0 \(got -0.0005\)$/ },
    hessian_power: { valid: ['0.5', 0.5], invalid: '0', says: /^must be in \(0, 1\] \(got 0\)$/ },
  },
  schedule: {
    type: { valid: ['cosine', 'cosine'], invalid: 'linear', says: /constant or cosine/ },
    warmup_steps: { valid: ['50', 50], invalid: '1.5', says: /^must be a whole number >= 0 \(got 1.5\)$/ },
    final_fraction: { valid: ['0.1', 0.1], invalid: '1.1', says: /^must be in \[0, 1\] \(got 1.1\)$/ },
  },
};

const SECTIONS: Section[] = [...OPTIMIZER_TYPES, 'schedule'];
const TASKS: Task[] = ['image-classification', 'language-modeling'];

describe('fields of each optimizer', () => {
  it('cover every key of the run config, and nothing else', () => {
    for (const type of OPTIMIZER_TYPES) {
      const keys = Object.keys(defaultRun(type, 'image-classification', []).optimizer).filter((key) => key !== 'type');
      expect(
        fieldsOf(type)
          .map((field) => field.key)
          .sort(),
        type,
      ).toEqual(keys.sort());
      expect(Object.keys(CASES[type]).sort(), type).toEqual(keys.sort());
    }
    expect(fieldsOf('schedule').map((field) => field.key)).toEqual(['type', 'warmup_steps', 'final_fraction']);
  });

  it('give every field a label, a range and help', () => {
    for (const section of SECTIONS) {
      for (const field of fieldsOf(section)) {
        expect(field.label.length, `${section}.${field.key}`).toBeGreaterThan(0);
        expect(field.range.length, `${section}.${field.key}`).toBeGreaterThan(0);
        expect(field.help.length, `${section}.${field.key}`).toBeGreaterThan(10);
      }
    }
  });

  it('quote the AdaFisher spec in its help', () => {
    for (const type of ['adafisher', 'adafisherw'] as const) {
      const help = Object.fromEntries(fieldsOf(type).map((field) => [field.key, field.help]));
      expect(help.damping).toContain('F = S_D ⊗ H_D + λ');
      expect(help.lr).toContain('lr/λ');
      expect(help.tcov).toContain('tcov = steps between factor measurements');
    }
    expect(fieldsOf('adafisher').find((field) => field.key === 'tcov')?.range).toBe('tcov: whole number > 0');
    expect(fieldsOf('adafisher').find((field) => field.key === 'gammas')?.range).toBe('gammas: each in [0, 1)');
  });

  it('state the formulas of K-FAC, Shampoo and AdaHessian in their help', () => {
    const help = (type: OptimizerType) => Object.fromEntries(fieldsOf(type).map((field) => [field.key, field.help]));
    const kfac = help('kfac');
    expect(kfac.damping).toContain('λ_A = √λ·π, λ_B = √λ/π');
    expect(kfac.weight_decay).toContain('after preconditioning and clipping');
    expect(kfac.interval).toContain('every interval steps');
    expect(kfac.clip).toContain('min(1, clip / (‖g‖₂ + 1e-6))');
    expect(kfac.clip).toContain('after preconditioning');
    const shampoo = help('shampoo');
    expect(shampoo.damping).toContain('damping · λmax(S_i)');
    expect(shampoo.damping).toContain('^(−1/2k)');
    expect(shampoo.weight_decay).toContain('after preconditioning and clipping');
    expect(shampoo.max_factor_dim).toContain('no statistic');
    const adahessian = help('adahessian');
    expect(adahessian.hessian_power).toContain('(√v̂)^k + ε');
    expect(adahessian.weight_decay).toContain('Decoupled');
    expect(adahessian.betas).toContain('|H v|');
    expect(fieldsOf('adahessian').find((field) => field.key === 'hessian_power')?.range).toBe('k in (0, 1]');
  });

  it("mark K-FAC's notebook-only fields, and only those", () => {
    const only = fieldsOf('kfac')
      .filter((field) => field.only)
      .map((field) => [field.key, field.only]);
    const notebook = { key: 'variant', value: 'notebook', note: 'notebook variant only' };
    expect(only).toEqual([
      ['stat_decay', notebook],
      ['inverse_interval', notebook],
      ['kl_clip', notebook],
    ]);
    for (const type of OPTIMIZER_TYPES.filter((type) => type !== 'kfac'))
      expect(
        fieldsOf(type).some((field) => field.only),
        type,
      ).toBe(false);
  });

  it('label the optimizers as the paper names them', () => {
    expect(OPTIMIZER_TYPES.map((type) => OPTIMIZER_LABELS[type])).toEqual([
      'AdaFisher',
      'AdaFisherW',
      'Adam',
      'AdamW',
      'SGD',
      'K-FAC',
      'Shampoo',
      'AdaHessian',
    ]);
    // Every type the schema knows is offered.
    expect(new Set(OPTIMIZER_TYPES)).toEqual(new Set(optimizerSchema.options.flatMap((schema) => [...(schema.shape.type._zod.values ?? [])])));
  });
});

describe('parseFieldInput', () => {
  it('accepts a valid value for every field of every optimizer type and the schedule', () => {
    for (const section of SECTIONS) {
      for (const [key, { valid }] of Object.entries(CASES[section])) {
        expect(parseFieldInput(section, key, valid[0]), `${section}.${key}`).toEqual({ value: valid[1] });
      }
    }
  });

  it('refuses an out-of-range value for every field with the range in the message', () => {
    for (const section of SECTIONS) {
      for (const [key, { invalid, says }] of Object.entries(CASES[section])) {
        const result = parseFieldInput(section, key, invalid);
        expect('error' in result ? result.error : `accepted ${JSON.stringify(result)}`, `${section}.${key}`).toMatch(says);
      }
    }
  });

  it('asks for a number when the text is empty or not a number', () => {
    for (const text of ['', '  ', 'abc', '1e', '0x10', 'Infinity', '1,5', '1e400']) {
      expect(parseFieldInput('adam', 'lr', text), JSON.stringify(text)).toEqual({ error: 'enter a number' });
    }
    expect(parseFieldInput('schedule', 'warmup_steps', '')).toEqual({ error: 'enter a number' });
    for (const text of ['', '0.9', '0.9, 0.99, 0.999', '0.9, x']) {
      expect(parseFieldInput('adam', 'betas', text), JSON.stringify(text)).toEqual({ error: 'enter a number for β1 and one for β2, separated by a comma' });
    }
  });

  it('takes signs, spaces and scientific notation as the command line does', () => {
    expect(parseFieldInput('sgd', 'lr', ' +1.5e-2 ')).toEqual({ value: 0.015 });
    expect(parseFieldInput('adafisher', 'tcov', '1e2')).toEqual({ value: 100 });
  });

  it('throws for a field the optimizer does not have', () => {
    expect(() => parseFieldInput('sgd', 'betas', '0.9, 0.999')).toThrow('sgd has no field "betas"');
  });

  it('writes values back as text that parses to the same value', () => {
    for (const type of OPTIMIZER_TYPES) {
      const optimizer = defaultRun(type, 'image-classification', []).optimizer as Record<string, unknown>;
      for (const field of fieldsOf(type)) {
        const value = optimizer[field.key] as Parameters<typeof formatFieldValue>[0];
        expect(parseFieldInput(type, field.key, formatFieldValue(value)), `${type}.${field.key}`).toEqual({ value });
      }
    }
    expect(formatFieldValue([0.9, 0.999])).toBe('0.9, 0.999');
  });
});

describe('defaultRun', () => {
  it('gives every optimizer type a run valid under the schemas for both tasks', () => {
    for (const task of TASKS) {
      for (const type of OPTIMIZER_TYPES) {
        const run = defaultRun(type, task, []);
        expect(run.optimizer.type).toBe(type);
        expect(runSchema.parse(run), `${task} ${type}`).toEqual(run);
        expect(optimizerSchema.parse(run.optimizer)).toEqual(run.optimizer);
      }
    }
  });

  it('uses the settings of default-runs.ts and the configs', () => {
    const image = (type: OptimizerType) => defaultRun(type, 'image-classification', []).optimizer;
    const text = (type: OptimizerType) => defaultRun(type, 'language-modeling', []).optimizer;
    for (const run of DEFAULT_RUNS) expect(image(run.optimizer.type)).toEqual(run.optimizer);
    for (const run of DEFAULT_TEXT_RUNS) expect(text(run.optimizer.type)).toEqual(run.optimizer);
    expect(image('adafisher')).toMatchObject({ lr: 1e-4, tcov: 10, damping: 1e-3, weight_decay: 5e-4 });
    expect(image('adafisherw')).toMatchObject({ type: 'adafisherw', lr: 1e-4, tcov: 10, weight_decay: 5e-4 });
    expect(image('adam')).toMatchObject({ lr: 1e-3, weight_decay: 5e-4 });
    expect(image('sgd')).toMatchObject({ lr: 0.01, momentum: 0.9, weight_decay: 5e-4 });
    expect(text('adafisherw')).toMatchObject({ lr: 1e-3, tcov: 10, weight_decay: 0.1 });
    expect(text('adamw')).toMatchObject({ lr: 1e-3, weight_decay: 0.1 });
    expect(defaultRun('adam', 'language-modeling', []).schedule).toEqual({ type: 'constant', warmup_steps: 0, final_fraction: 0 });
  });

  it("gives K-FAC, Shampoo and AdaHessian the paper's settings: the CNN column for images, GPT-1's (K-FAC: ViT's) for text", () => {
    const image = (type: OptimizerType) => defaultRun(type, 'image-classification', []).optimizer;
    const text = (type: OptimizerType) => defaultRun(type, 'language-modeling', []).optimizer;
    expect(image('kfac')).toEqual({
      type: 'kfac',
      variant: 'asdl',
      lr: 0.3,
      momentum: 0.9,
      weight_decay: 5e-4,
      damping: 1e-3,
      interval: 10,
      clip: 1,
      stat_decay: 0.95,
      inverse_interval: 100,
      kl_clip: 1e-3,
    });
    // max_factor_dim 1024: cnn-small's fc.weight [10, 2048] gets no 2048 x 2048 statistic.
    expect(image('shampoo')).toEqual({
      type: 'shampoo',
      lr: 0.3,
      momentum: 0.9,
      weight_decay: 5e-4,
      damping: 1e-12,
      interval: 1,
      clip: 1,
      max_factor_dim: 1024,
    });
    expect(image('adahessian')).toEqual({ type: 'adahessian', lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 5e-4, hessian_power: 1 });
    expect(text('kfac')).toMatchObject({ variant: 'asdl', lr: 3e-3, momentum: 0.9, weight_decay: 0.06, damping: 1e-3, interval: 10, clip: 10 });
    expect(text('shampoo')).toEqual({
      type: 'shampoo',
      lr: 3e-3,
      momentum: 0.9,
      weight_decay: 0.1,
      damping: 1e-12,
      interval: 1,
      clip: 10,
      max_factor_dim: 4096,
    });
    expect(text('adahessian')).toEqual({ type: 'adahessian', lr: 0.15, betas: [0.9, 0.999], eps: 1e-4, weight_decay: 0.1, hessian_power: 1 });
  });

  it('matches the configs: cnn-small-*.yaml for images, gpt1-tiny-*.yaml for text, iris-landscape.yaml for Iris', () => {
    const optimizerIn = (file: string, name?: string) => {
      const runs = parseRunConfig(parse(readFileSync(join(CONFIG_DIR, file), 'utf8'))).runs;
      return (name === undefined ? runs[0] : runs.find((run) => run.name === name))?.optimizer;
    };
    for (const type of ['kfac', 'shampoo', 'adahessian'] as const) {
      expect(defaultRun(type, 'image-classification', []).optimizer, type).toEqual(optimizerIn(`cnn-small-${type}.yaml`));
      expect(defaultRun(type, 'language-modeling', []).optimizer, type).toEqual(optimizerIn(`gpt1-tiny-${type}.yaml`));
      expect(defaultRun(type, 'tabular-classification', []).optimizer, type).toEqual(optimizerIn('iris-landscape.yaml', type));
    }
  });

  it('starts Iris runs from the seed notebook: its learning rates (1e-3, AdaHessian 1e-2) and the published defaults, no weight decay', () => {
    for (const type of OPTIMIZER_TYPES) {
      const run = defaultRun(type, 'tabular-classification', []);
      expect(run.optimizer.lr, type).toBe(type === 'adahessian' ? 1e-2 : 1e-3);
      expect(run.optimizer.weight_decay, type).toBe(0);
      expect(run.color, type).toBeUndefined();
    }
    expect(defaultRun('adafisher', 'tabular-classification', []).optimizer).toMatchObject({ damping: 1e-3, tcov: 100, gammas: [0.92, 0.008] });
    expect(defaultRun('adam', 'tabular-classification', []).optimizer).toEqual({ type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 });
    // The notebook's standalone K-FAC with KFACOptimizer's defaults; Shampoo through ASDL at the notebook's intervals of 100.
    expect(defaultRun('kfac', 'tabular-classification', []).optimizer).toMatchObject({
      variant: 'notebook',
      momentum: 0.9,
      damping: 1e-3,
      interval: 10,
      stat_decay: 0.95,
      inverse_interval: 100,
      kl_clip: 1e-3,
    });
    expect(defaultRun('shampoo', 'tabular-classification', []).optimizer).toMatchObject({ momentum: 0.9, clip: 1, damping: 1e-12, interval: 100 });
    expect(defaultRun('adahessian', 'tabular-classification', []).optimizer).toEqual({
      type: 'adahessian',
      lr: 1e-2,
      betas: [0.9, 0.999],
      eps: 1e-4,
      weight_decay: 0,
      hessian_power: 1,
    });
  });

  it('names runs after their type, numbering repeats', () => {
    expect(defaultRun('adam', 'image-classification', []).name).toBe('adam');
    expect(defaultRun('adam', 'image-classification', ['adam']).name).toBe('adam-2');
    expect(defaultRun('adam', 'image-classification', ['adam', 'adam-2', 'sgd']).name).toBe('adam-3');
    expect(defaultRun('sgd', 'image-classification', ['adam', 'adam-2']).name).toBe('sgd');
  });

  it('returns fresh objects each time', () => {
    const first = defaultRun('adafisher', 'image-classification', []);
    (first.optimizer as { gammas: number[] }).gammas[0] = 0.5;
    expect(defaultRun('adafisher', 'image-classification', []).optimizer).toMatchObject({ gammas: [0.92, 0.008] });
    expect(DEFAULT_RUNS[0].optimizer).toMatchObject({ gammas: [0.92, 0.008] });
  });

  it('fills a config up to the schema limit of runs with unique names', () => {
    const runs: RunSpec[] = [];
    for (let i = 0; i < MAX_RUNS; i++)
      runs.push(
        defaultRun(
          OPTIMIZER_TYPES[i % 2],
          'language-modeling',
          runs.map((run) => run.name),
        ),
      );
    expect(new Set(runs.map((run) => run.name)).size).toBe(MAX_RUNS);
    const config = { task: 'language-modeling', model: 'gpt1-tiny', steps: 10, runs };
    expect(parseRunConfig(config).runs).toHaveLength(MAX_RUNS);
    const over = [
      ...runs,
      defaultRun(
        'sgd',
        'language-modeling',
        runs.map((run) => run.name),
      ),
    ];
    expect(() => parseRunConfig({ ...config, runs: over })).toThrow(/at most 8 runs/);
  });
});

describe('duplicateRun', () => {
  it('copies deeply under the name "<name>-copy" or the next free one', () => {
    const run = defaultRun('adam', 'image-classification', []);
    const copy = duplicateRun(run, ['adam']);
    expect(copy.name).toBe('adam-copy');
    expect(copy.optimizer).toEqual(run.optimizer);
    expect(copy.optimizer).not.toBe(run.optimizer);
    expect(copy.schedule).not.toBe(run.schedule);
    (copy.optimizer as { betas: number[] }).betas[0] = 0.5;
    expect(run.optimizer).toMatchObject({ betas: [0.9, 0.999] });
    expect(run.name).toBe('adam');
    expect(duplicateRun(run, ['adam', 'adam-copy']).name).toBe('adam-copy-2');
    expect(duplicateRun(run, ['adam', 'adam-copy', 'adam-copy-2']).name).toBe('adam-copy-3');
  });

  it('leaves the colour to the palette, so the copy is told apart from its run', () => {
    const run = { ...defaultRun('adam', 'tabular-classification', []), color: 'cyan' };
    const copy = duplicateRun(run, ['adam']);
    expect(copy).not.toHaveProperty('color');
    expect(run.color).toBe('cyan');
  });

  it('keeps names of long runs within the schema limit', () => {
    const run = { ...defaultRun('sgd', 'image-classification', []), name: 'x'.repeat(MAX_NAME_LENGTH) };
    const copy = duplicateRun(run, [run.name]);
    expect(copy.name).toBe(`${'x'.repeat(MAX_NAME_LENGTH - 5)}-copy`);
    const again = duplicateRun(run, [run.name, copy.name]);
    expect(again.name).toBe(`${'x'.repeat(MAX_NAME_LENGTH - 7)}-copy-2`);
    expect(runSchema.parse(again).name).toHaveLength(MAX_NAME_LENGTH);
  });
});

describe('renameProblem', () => {
  it('accepts a new unique name', () => {
    expect(renameProblem('adam-fast', ['adam', 'sgd'])).toBeNull();
    expect(renameProblem('x'.repeat(60), [])).toBeNull();
  });

  it('refuses empty, too long and duplicate names, saying what to do', () => {
    expect(renameProblem('', ['adam'])).toBe('Enter a name for this run.');
    expect(renameProblem('   ', ['adam'])).toBe('Enter a name for this run.');
    expect(renameProblem('x'.repeat(61), [])).toBe('Use at most 60 characters (this name has 61).');
    expect(renameProblem('adam', ['adam', 'sgd'])).toBe('Another run is already called "adam": choose a different name.');
  });
});
