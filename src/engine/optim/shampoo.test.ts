import { describe, expect, it } from 'vitest';
import { shampooSchema } from '../config/run-config';
import { inverseRoot, powerIterationStart } from '../kernels/matrix-root/matrix-root.ref';
import { randomModelBatch } from '../nn/device-check';
import type { ModelGraph } from '../nn/graph';
import { initialParameters, parameterSpecs } from '../nn/parameters';
import { modelPreset } from '../nn/presets';
import { ReferenceModel } from '../nn/reference-model';
import { createRng } from '../random';
import { tinyGraph, tinyGpt } from '../testing/tiny-graph';
import { checkShampooConfig, createReferenceShampoo, INITIAL_STATISTIC_SCALE, modeProduct, shampooPlan, type ShampooConfig } from './shampoo.ref';
import { maxAbs } from '../testing/max-error';

const shampoo = (options: Record<string, unknown> = {}): ShampooConfig => shampooSchema.parse({ type: 'shampoo', lr: 0.1, ...options });

function randomValues(length: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length }, () => rng.normal());
}

function gradientStep(model: ReferenceModel, graph: ModelGraph, batch: number, seed: number): void {
  const { inputs, labels } = randomModelBatch(seed, graph, batch);
  model.forward(inputs, labels, true);
  model.backward();
}

/** torch.tensordot(t, P, [[0], [0]]) for a row-major tensor: contracts axis 0 with P's rows, appends P's columns as the last axis. */
function tensordotFirstAxis(t: Float64Array, shape: readonly number[], root: Float64Array): { values: Float64Array; shape: number[] } {
  const [d, ...rest] = shape;
  const restSize = rest.reduce((a, b) => a * b, 1);
  const values = new Float64Array(t.length);
  for (let r = 0; r < restSize; r++) {
    for (let b = 0; b < d; b++) {
      let sum = 0;
      for (let a = 0; a < d; a++) sum += t[a * restSize + r] * root[a * d + b];
      values[r * d + b] = sum;
    }
  }
  return { values, shape: [...rest, d] };
}

describe('Shampoo float64 twin', () => {
  it('keeps one statistic per dimension of every parameter with more than one, p = 2k, none for size 1 or over max_factor_dim', () => {
    const cnn = shampooPlan(parameterSpecs(modelPreset('cnn-small')), 4096);
    expect(cnn.factors.map((f) => `${f.param}[${f.dim}] ${f.n} p${f.p} (${f.pre}, ${f.post})`)).toEqual([
      'conv1.weight[0] 16 p8 (1, 27)',
      'conv1.weight[1] 3 p8 (16, 9)',
      'conv1.weight[2] 3 p8 (48, 3)',
      'conv1.weight[3] 3 p8 (144, 1)',
      'conv2.weight[0] 32 p8 (1, 144)',
      'conv2.weight[1] 16 p8 (32, 9)',
      'conv2.weight[2] 3 p8 (512, 3)',
      'conv2.weight[3] 3 p8 (1536, 1)',
      'fc.weight[0] 10 p4 (1, 2048)',
      'fc.weight[1] 2048 p4 (10, 1)',
    ]);
    expect(cnn.parameters.map((parameter) => parameter.name)).toEqual(['conv1.weight', 'conv2.weight', 'fc.weight']);
    // fc's 2048 inputs over the limit: that side stays unpreconditioned, the exponent stays 1/4.
    const limited = shampooPlan(parameterSpecs(modelPreset('cnn-small')), 1024);
    expect(limited.skipped).toEqual([{ param: 'fc.weight', dim: 1, n: 2048 }]);
    expect(limited.factors.filter((f) => f.param === 'fc.weight').map((f) => [f.dim, f.p])).toEqual([[0, 4]]);
    // iris-mlp's fc1 is (1, 2) and fc2 (3, 1): the size-1 sides get no statistic.
    const iris = shampooPlan(parameterSpecs(modelPreset('iris-mlp')), 4096);
    expect(iris.factors.map((f) => `${f.param}[${f.dim}]`)).toEqual(['fc1.weight[1]', 'fc2.weight[0]']);
  });

  it("applies the roots as ASDL's repeated tensordot over axis 0 does (the axis order comes back)", () => {
    const shape = [3, 4, 2, 5];
    const g = randomValues(3 * 4 * 2 * 5, 1);
    const roots = shape.map((n, i) => randomValues(n * n, 10 + i));
    let expected = { values: g, shape };
    for (const root of roots) expected = tensordotFirstAxis(expected.values, expected.shape, root);
    let actual = g;
    shape.forEach((n, dim) => {
      const pre = shape.slice(0, dim).reduce((a, b) => a * b, 1);
      const post = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      actual = modeProduct(actual, roots[dim], pre, n, post);
    });
    expect(expected.shape).toEqual(shape);
    expect(maxAbs(actual.map((v, i) => v - expected.values[i]))).toBeLessThan(1e-12);
  });

  it('sums G_(i) G_(i)^T into each statistic from 1e-12 I, adds the ridge there, and preconditions with the roots', () => {
    const graph = tinyGraph();
    const batch = 3;
    const model = new ReferenceModel(graph, batch, initialParameters(graph, 2));
    const config = shampoo({ momentum: 0, clip: 1e9, damping: 1e-3 });
    const optimizer = createReferenceShampoo(model, config, { seed: 5, stream: 1 });
    gradientStep(model, graph, batch, 1);
    const raw = new Map([...model.grads].map(([name, grad]) => [name, Float64Array.from(grad)]));
    const before = new Map([...model.params].map(([name, values]) => [name, Float64Array.from(values)]));
    optimizer.step(0, 0.1);
    const { plan, table, statistics, roots } = optimizer;
    const index = plan.factors.findIndex((f) => f.param === 'fc.weight' && f.dim === 0);
    const { offset, n } = table!.entries[index];
    // fc.weight is (10, 64): S_0 = 1e-12 I + G G^T, then the ridge damping·λmax.
    const g = raw.get('fc.weight')!;
    const expected = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = i === j ? INITIAL_STATISTIC_SCALE : 0;
        for (let c = 0; c < 64; c++) sum += g[i * 64 + c] * g[j * 64 + c];
        expected[i * n + j] = sum;
      }
    }
    const twin = inverseRoot(Float64Array.from(expected), n, 4, powerIterationStart(n, 5, 1, 0, index), { damping: 1e-3 });
    for (let i = 0; i < n; i++) expected[i * n + i] += 1e-3 * twin.lambda;
    expect(maxAbs(statistics.subarray(offset, offset + n * n).map((v, i) => v - expected[i]))).toBeLessThan(1e-15 * maxAbs(expected));
    // The same root up to the order of the statistic's sums.
    expect(maxAbs(roots.subarray(offset, offset + n * n).map((v, i) => v - twin.root[i]))).toBeLessThan(1e-12 * maxAbs(twin.root));
    // The update: θ - lr (G x_0 P_0 x_1 P_1) without momentum, clip or weight decay.
    const other = plan.factors.findIndex((f) => f.param === 'fc.weight' && f.dim === 1);
    const rootOf = (i: number) => roots.subarray(table!.entries[i].offset, table!.entries[i].offset + plan.factors[i].n ** 2);
    const preconditioned = modeProduct(modeProduct(g, rootOf(index), 1, 10, 64), rootOf(other), 10, 64, 1);
    const after = model.params.get('fc.weight')!;
    const moved = after.map((v, i) => v - (before.get('fc.weight')![i] - 0.1 * preconditioned[i]));
    expect(maxAbs(moved)).toBeLessThan(1e-12);
    // Biases and BatchNorm take the raw gradient.
    const bias = model.params.get('fc.bias')!;
    expect(maxAbs(bias.map((v, i) => v - (before.get('fc.bias')![i] - 0.1 * raw.get('fc.bias')![i])))).toBeLessThan(1e-15);
    expect(optimizer.lastRoots.length).toBe(plan.factors.length);
  });

  it('updates the statistics and roots only every `interval` steps, and preconditions every step', () => {
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 4));
    const optimizer = createReferenceShampoo(model, shampoo({ interval: 2, lr: 0.01 }));
    const snapshots: { statistics: Float64Array; roots: Float64Array }[] = [];
    for (let step = 0; step < 3; step++) {
      gradientStep(model, graph, 2, step + 10);
      const raw = Float64Array.from(model.grads.get('conv2.weight')!);
      optimizer.step(step, 0.01);
      snapshots.push({ statistics: Float64Array.from(optimizer.statistics), roots: Float64Array.from(optimizer.roots) });
      // The gradient the tail received differs from the raw one (it was preconditioned), then clipped.
      expect(maxAbs(optimizer.tail.sgd.momentumBuffers.get('conv2.weight')!)).toBeGreaterThan(0);
      expect(raw).not.toEqual(model.grads.get('conv2.weight'));
    }
    expect(snapshots[1].statistics).toEqual(snapshots[0].statistics);
    expect(snapshots[1].roots).toEqual(snapshots[0].roots);
    expect(snapshots[2].statistics).not.toEqual(snapshots[1].statistics);
    expect(snapshots[2].roots).not.toEqual(snapshots[1].roots);
  });

  it("leaves a GPT's vocabulary side without a statistic when it exceeds max_factor_dim", () => {
    const graph = tinyGpt();
    const plan = shampooPlan(parameterSpecs(graph), 10);
    // The tied token table is (11, 8): only its width side gets a statistic (the MLP's 12-wide
    // sides are over the limit too).
    expect(plan.skipped).toContainEqual({ param: 'tok_emb.weight', dim: 0, n: 11 });
    expect(plan.skipped.every((side) => side.n > 10)).toBe(true);
    expect(plan.factors.every((f) => f.n <= 10)).toBe(true);
    expect(plan.factors.filter((f) => f.param === 'tok_emb.weight').map((f) => [f.dim, f.n])).toEqual([[1, 8]]);
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 1));
    const optimizer = createReferenceShampoo(model, shampoo({ max_factor_dim: 10 }));
    gradientStep(model, graph, 2, 3);
    optimizer.step(0, 0.1);
    expect([...model.params.get('tok_emb.weight')!].every(Number.isFinite)).toBe(true);
  });

  it('refuses bad settings with the field, the range and the value', () => {
    expect(() => checkShampooConfig({ ...shampoo(), damping: 0 })).toThrow('Shampoo: damping must be > 0, got 0');
    expect(() => checkShampooConfig({ ...shampoo(), interval: 0 })).toThrow('Shampoo: interval must be a whole number > 0, got 0');
    expect(() => checkShampooConfig({ ...shampoo(), max_factor_dim: 0.5 })).toThrow('Shampoo: max_factor_dim must be a whole number > 0, got 0.5');
    const graph = tinyGraph();
    const model = new ReferenceModel(graph, 2, initialParameters(graph, 1));
    expect(() => createReferenceShampoo(model, { ...shampoo(), clip: 0 })).toThrow('Shampoo: clip must be > 0, got 0');
    expect(() => createReferenceShampoo(model, shampoo()).step(-1, 0.1)).toThrow('Shampoo: step must be a whole number >= 0, got -1');
  });
});
