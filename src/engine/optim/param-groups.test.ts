import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { adamSchema, ConfigError, optimizerSchema, parseRunConfig, type OptimizerConfig, type ParamGroupConfig } from '../config/run-config';
import { parameterSpecs } from '../nn/parameters';
import { modelPreset } from '../nn/presets';
import { tinyGpt, tinyGraph, tinyPaperGpt } from '../testing/tiny-graph';
import { checkGroupsApply, globToRegExp, graphWithGroups, NO_PARAMETER_GROUPS, resolveParameterGroups, tensorHyperparameters } from './param-groups';

const adamw = adamSchema.parse({ type: 'adamw', lr: 1e-3, weight_decay: 0.1 });
const resolve = (groups: ParamGroupConfig[], optimizer: OptimizerConfig = adamw, graph = tinyGpt()) =>
  resolveParameterGroups(graph, groups, optimizer, 'run "a"');

describe('name patterns', () => {
  it('reads * as any run of characters, dots included, over the whole name', () => {
    expect(globToRegExp('tok_emb.*').test('tok_emb.weight')).toBe(true);
    expect(globToRegExp('*.bias').test('blocks.0.attn.q.bias')).toBe(true);
    expect(globToRegExp('blocks.0.*').test('blocks.0.mlp.fc.weight')).toBe(true);
    expect(globToRegExp('blocks.0.*').test('blocks.10.mlp.fc.weight')).toBe(false);
    // A dot is a dot, not any character; the pattern is anchored at both ends.
    expect(globToRegExp('tok_emb.weight').test('tok_embXweight')).toBe(false);
    expect(globToRegExp('emb').test('tok_emb.weight')).toBe(false);
    expect(globToRegExp('(a)+[b]').test('(a)+[b]')).toBe(true);
  });
});

describe('resolveParameterGroups', () => {
  it('maps each matched tensor to its group lr (relative to the optimizer lr) and weight decay; the rest keep the optimizer values', () => {
    const resolved = resolve([
      { params: ['tok_emb.*', 'pos_emb.*'], lr: 0.01 },
      { params: '*.bias', weight_decay: 0 },
    ]);
    expect(resolved.frozen).toEqual([]);
    expect(tensorHyperparameters(resolved, 'tok_emb.weight', 0.1)).toEqual({ lrScale: 10, weightDecay: 0.1 });
    expect(tensorHyperparameters(resolved, 'pos_emb.weight', 0.1)).toEqual({ lrScale: 10, weightDecay: 0.1 });
    expect(tensorHyperparameters(resolved, 'blocks.0.attn.q.bias', 0.1)).toEqual({ lrScale: 1, weightDecay: 0 });
    expect(tensorHyperparameters(resolved, 'blocks.0.attn.q.weight', 0.1)).toEqual({ lrScale: 1, weightDecay: 0.1 });
    const biases = parameterSpecs(tinyGpt()).filter((spec) => spec.name.endsWith('.bias'));
    expect(resolved.settings.size).toBe(2 + biases.length);
  });

  it('collects frozen groups and adds them to a copy of the graph, leaving the original alone', () => {
    const graph = tinyGpt();
    const resolved = resolve([{ params: 'tok_emb.weight', frozen: true }], adamw, graph);
    expect(resolved.frozen).toEqual(['tok_emb.weight']);
    expect(resolved.settings.size).toBe(0);
    const frozenGraph = graphWithGroups(graph, resolved);
    expect(frozenGraph.frozen).toEqual(['tok_emb.weight']);
    expect(graph.frozen).toBeUndefined();
    expect(parameterSpecs(frozenGraph).find((spec) => spec.name === 'tok_emb.weight')).toMatchObject({ trainable: false, frozen: true });
    expect(graphWithGroups(graph, NO_PARAMETER_GROUPS)).toBe(graph);
  });

  it('refuses a pattern that matches no parameter, naming it and a few names', () => {
    expect(() => resolve([{ params: ['*.bias', 'embed.*'], lr: 0.01 }])).toThrow(
      /run "a": param_groups\[0\]: pattern "embed\.\*" matches no parameter of .*; its parameters include tok_emb\.weight, pos_emb\.weight, /,
    );
  });

  it('refuses two groups claiming one parameter, naming both and the parameter', () => {
    expect(() =>
      resolve([
        { params: 'blocks.0.*', lr: 0.01 },
        { params: '*.bias', weight_decay: 0 },
      ]),
    ).toThrow('run "a": param_groups[0] and param_groups[1] both claim "blocks.0.attn.q.bias"; a parameter belongs to one group');
    // Two patterns of one group may overlap.
    expect(resolve([{ params: ['blocks.0.*', '*.bias'], lr: 0.01 }]).settings.get('blocks.0.attn.q.bias')).toEqual({ lrScale: 10, weightDecay: 0.1 });
  });

  it('refuses a frozen group that also sets lr or weight decay', () => {
    expect(() => resolve([{ params: 'tok_emb.*', frozen: true, lr: 0.1 }])).toThrow(/param_groups\[0\]: a frozen group is never updated/);
  });

  it('freezes any weight or bias, and refuses freezing everything, naming the rule', () => {
    expect(resolve([{ params: 'blocks.0.ln1.*', frozen: true }]).frozen).toEqual(['blocks.0.ln1.weight', 'blocks.0.ln1.bias']);
    expect(() => resolve([{ params: '*', frozen: true }], adamw, tinyGraph())).toThrow(
      /^run "a": param_groups\[0\]: tiny: every parameter is frozen, so there is nothing to train/,
    );
    // Two groups that together freeze everything are refused too.
    expect(() =>
      resolve(
        [
          { params: 'conv*', frozen: true },
          { params: ['bn1.*', 'fc.*'], frozen: true },
        ],
        adamw,
        tinyGraph(),
      ),
    ).toThrow(/^run "a": param_groups: tiny: every parameter is frozen/);
  });

  it("refuses a partly frozen layer for AdaFisher and K-FAC, which precondition a layer's weight and bias together", () => {
    const message = (name: string) =>
      `run "a": param_groups freeze conv1.weight but train conv1.bias; ${name} preconditions a layer's weight and bias together, so freeze both (e.g. "conv1.*") or neither`;
    const adafisher = optimizerSchema.parse({ type: 'adafisher', lr: 1e-3 }) as OptimizerConfig;
    const kfac = optimizerSchema.parse({ type: 'kfac', lr: 1e-3 }) as OptimizerConfig;
    expect(() => resolve([{ params: 'conv1.weight', frozen: true }], adafisher, tinyGraph())).toThrow(message('AdaFisher'));
    expect(() => resolve([{ params: 'conv1.weight', frozen: true }], kfac, tinyGraph())).toThrow(message('K-FAC'));
    // Element-wise optimizers (and Shampoo, per tensor) take it; whole layers are fine for all.
    expect(resolve([{ params: 'conv1.weight', frozen: true }], adamw, tinyGraph()).frozen).toEqual(['conv1.weight']);
    expect(resolve([{ params: 'conv1.*', frozen: true }], adafisher, tinyGraph()).frozen).toEqual(['conv1.weight', 'conv1.bias']);
  });

  it('refuses an lr for a tensor the model already freezes, but accepts freezing it again', () => {
    expect(() => resolve([{ params: 'tok_emb.*', lr: 0.1 }], adamw, tinyPaperGpt())).toThrow(
      /"tok_emb\.weight" is frozen by .*, so an lr or weight_decay for it would never apply/,
    );
    expect(resolve([{ params: '*_emb.*', frozen: true }], adamw, tinyPaperGpt()).frozen).toEqual(['tok_emb.weight', 'pos_emb.weight']);
  });

  it('refuses a group lr when the optimizer lr is 0 (the schedule scales groups relative to it)', () => {
    expect(() => resolve([{ params: '*.bias', lr: 0.1 }], { ...adamw, lr: 0 })).toThrow(/which is 0; give the optimizer an lr > 0/);
  });

  it('accepts frozen-only groups with every optimizer', () => {
    for (const settings of [{ type: 'kfac', variant: 'notebook' }, { type: 'shampoo' }, { type: 'adahessian' }]) {
      const optimizer = optimizerSchema.parse({ ...settings, lr: 0.1 });
      expect(resolve([{ params: 'tok_emb.*', frozen: true }], optimizer).frozen).toEqual(['tok_emb.weight']);
    }
  });
});

describe('optimizers that do not take per-group settings', () => {
  it('are refused by the resolver and by checkGroupsApply (createOptimizer and createReferenceOptimizer call it), naming the optimizer', () => {
    const notebook = optimizerSchema.parse({ type: 'kfac', variant: 'notebook', lr: 0.1 });
    expect(() => resolve([{ params: '*.bias', lr: 0.2 }], notebook)).toThrow(
      /param_groups\[0\]: K-FAC's notebook variant does not take a per-group lr or weight_decay yet; use SGD, /,
    );
    const groups = { frozen: [], settings: new Map([['fc1.bias', { lrScale: 1, weightDecay: 0 }]]) };
    expect(() => checkGroupsApply(notebook, groups)).toThrow(
      "K-FAC's notebook variant does not take a per-group lr or weight_decay yet (parameter groups set them for fc1.bias)",
    );
    expect(() => checkGroupsApply(notebook, NO_PARAMETER_GROUPS)).not.toThrow();
    // K-FAC (asdl) and Shampoo apply them in their SGD tail, AdaHessian in its update.
    for (const type of ['kfac', 'shampoo', 'adahessian']) {
      const optimizer = optimizerSchema.parse({ type, lr: 0.1 });
      expect(resolve([{ params: '*.bias', lr: 0.2 }], optimizer).settings.get('blocks.0.attn.q.bias')).toEqual({
        lrScale: 2,
        weightDecay: optimizer.weight_decay,
      });
      expect(() => checkGroupsApply(optimizer, groups)).not.toThrow();
    }
  });
});

describe('param_groups in the run schema', () => {
  const config = (groups: unknown) => ({ model: 'cnn-small', steps: 1, runs: [{ name: 'a', optimizer: { type: 'adamw', lr: 1e-3 }, param_groups: groups }] });

  it('accepts one pattern or a list, with lr, weight_decay or frozen', () => {
    const parsed = parseRunConfig(
      config([
        { params: '*.bias', weight_decay: 0 },
        { params: ['conv1.*', 'fc.*'], lr: 0.01 },
      ]),
    );
    expect(parsed.runs[0].param_groups).toEqual([
      { params: '*.bias', weight_decay: 0 },
      { params: ['conv1.*', 'fc.*'], lr: 0.01 },
    ]);
  });

  it('refuses bad groups with the path', () => {
    const problems = (groups: unknown) => {
      try {
        parseRunConfig(config(groups));
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems([{ params: 'tok_emb.*', frozen: true, weight_decay: 0 }])).toEqual([
      'runs[0].param_groups[0].frozen: a frozen group is never updated: remove its lr and weight_decay, or frozen',
    ]);
    expect(problems([{ params: [] }])[0]).toMatch(/^runs\[0\]\.param_groups\[0\]\.params: /);
    expect(problems([{ params: '*', lr: -1 }])).toEqual(['runs[0].param_groups[0].lr: must be >= 0 (got -1)']);
    expect(problems([{ params: '*', momentum: 0.5 }])[0]).toMatch(/^runs\[0\]\.param_groups\[0\]: .*momentum/);
  });
});

describe('configs/gpt1-tiny-embedding-groups.yaml', () => {
  it("resolves against gpt1-tiny: each -emb run sets both embedding tables' lr and nothing else", () => {
    const config = parseRunConfig(parse(readFileSync(join(import.meta.dirname, '../../../configs/gpt1-tiny-embedding-groups.yaml'), 'utf8')));
    const graph = modelPreset('gpt1-tiny', 500);
    for (const run of config.runs) {
      const resolved = resolveParameterGroups(graph, run.param_groups, run.optimizer, run.name);
      expect(resolved.frozen).toEqual([]);
      expect([...resolved.settings.keys()], run.name).toEqual(run.param_groups ? ['tok_emb.weight', 'pos_emb.weight'] : []);
    }
  });
});
