import { describe, expect, it } from 'vitest';
import { adafisherSchema } from '../config/run-config';
import type { PreconditionedNode } from '../nn/graph';
import { isPreconditioned } from '../nn/graph';
import { initialParameters, parameterSpecs, type ParameterSpec } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { randomBatch } from '../nn/device-check';
import { createRng, randomArray } from '../random';
import { tinyGraph } from '../testing/tiny-graph';
import {
  adaFisherUpdate,
  averageWeights,
  channelSquareMeans,
  kroneckerPreconditioner,
  layerGeometry,
  measureLayer,
  minMaxNormalize,
  normChannelMeans,
  normFactorH,
  normFactorS,
  parameterPreconditioner,
  parameterPreconditioners,
  patchSquareMeans,
  preconditionerStats,
  runningAverage,
  type PatchGeometry,
} from './adafisher-factors.ref';
import { createReferenceAdaFisher } from './adafisher.ref';

const close = (actual: ArrayLike<number>, expected: readonly number[], digits = 12) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i], `[${i}]`).toBeCloseTo(value, digits));
};

const conv = (channels: number, size: number, kernel: number, stride: number, padding: number, batch = 1): PatchGeometry => {
  const out = Math.floor((size + 2 * padding - kernel) / stride) + 1;
  return { batch, channels, height: size, width: size, kernel, stride, padding, outHeight: out, outWidth: out };
};

describe('AdaFisher factor measurements', () => {
  it('Linear h is the mean square of each input column, with 1 for the bias column', () => {
    // a = [[1, 2], [3, 4]]: h = [(1 + 9) / 2, (4 + 16) / 2, 1].
    const h = new Float64Array(3);
    patchSquareMeans(h, [1, 2, 3, 4], conv(2, 1, 1, 1, 0, 2), true);
    close(h, [5, 10, 1]);
    const noBias = new Float64Array(2);
    patchSquareMeans(noBias, [1, 2, 3, 4], conv(2, 1, 1, 1, 0, 2), false);
    close(noBias, [5, 10]);
  });

  it('Conv2d h counts the zero-padded patch entries (3x3 image 1..9, padding 1)', () => {
    // Output 3x3, N = 9. Tap (ky, kx) sees x[oy + ky - 1, ox + kx - 1] where inside the image:
    // tap (0,0) sees 1, 2, 4, 5 (1 + 4 + 16 + 25 = 46); the centre tap sees all nine (285); ...
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const h = new Float64Array(9);
    patchSquareMeans(h, x, conv(1, 3, 3, 1, 1), false);
    close(
      h,
      [46, 91, 74, 159, 285, 219, 154, 271, 206].map((v) => v / 9),
    );
  });

  it('Conv2d h with stride 2 keeps only the strided positions', () => {
    // Output 2x2, N = 4; iy = 2 oy - 1 + ky. Centre tap: x[0,0], x[0,2], x[2,0], x[2,2] = 1, 3, 7, 9.
    // Tap (0,0): only (oy, ox) = (1, 1) lands inside, on x[1,1] = 5. With a bias, h[9] = 1.
    const h = new Float64Array(10);
    patchSquareMeans(h, [1, 2, 3, 4, 5, 6, 7, 8, 9], conv(1, 3, 3, 2, 1), true);
    expect(h[4]).toBeCloseTo((1 + 9 + 49 + 81) / 4, 12);
    expect(h[0]).toBeCloseTo(25 / 4, 12);
    expect(h[9]).toBe(1);
  });

  it('Conv2d h columns are ordered (channel, ky, kx) like the flattened weight', () => {
    // 2 channels, 1x1 kernel on a 1x2 image: columns are the channels' mean squares.
    const h = new Float64Array(2);
    patchSquareMeans(h, [1, 3, 2, 4], { batch: 1, channels: 2, height: 1, width: 2, kernel: 1, stride: 1, padding: 0, outHeight: 1, outWidth: 2 }, false);
    close(h, [(1 + 9) / 2, (4 + 16) / 2]);
  });

  it('Conv2d h equals the mean square of an explicit im2col matrix', () => {
    const rng = createRng(7);
    for (const [channels, size, kernel, stride, padding, batch] of [
      [2, 5, 3, 2, 1, 2],
      [3, 4, 2, 1, 0, 1],
      [1, 6, 3, 3, 2, 3],
    ]) {
      const patch = conv(channels, size, kernel, stride, padding, batch);
      const x = randomArray(rng, batch * channels * size * size);
      const columns = channels * kernel * kernel;
      const expected = new Float64Array(columns);
      let rows = 0;
      for (let b = 0; b < batch; b++) {
        for (let oy = 0; oy < patch.outHeight; oy++) {
          for (let ox = 0; ox < patch.outWidth; ox++) {
            rows++;
            for (let col = 0; col < columns; col++) {
              const c = Math.floor(col / (kernel * kernel));
              const ky = Math.floor((col % (kernel * kernel)) / kernel);
              const kx = col % kernel;
              const iy = oy * stride - padding + ky;
              const ix = ox * stride - padding + kx;
              const value = iy >= 0 && iy < size && ix >= 0 && ix < size ? x[((b * channels + c) * size + iy) * size + ix] : 0;
              expected[col] += value * value;
            }
          }
        }
      }
      const h = new Float64Array(columns);
      patchSquareMeans(h, x, patch, false);
      close(
        h,
        Array.from(expected, (v) => v / rows),
      );
    }
  });

  it('s of a Linear / Conv2d layer is the mean square of its output gradient per channel', () => {
    // g (B=2, C=2, S=2): channel 0 holds 1, 2 and 3, 4; channel 1 holds 0, -1 and 2, 0.
    const s = new Float64Array(2);
    channelSquareMeans(s, [1, 2, 0, -1, 3, 4, 2, 0], 2, 2, 2);
    close(s, [(1 + 4 + 9 + 16) / 4, (0 + 1 + 4 + 0) / 4]);
  });

  it('BatchNorm h = [sum_c m_c^2, C] / B^2 with m_c = sum x / (HW)^2, and s_c = (sum g_c)^2 / B', () => {
    // x (B=2, C=2, H=1, W=2): m_0 = (1 + 2 + 0 + 1) / 2^2 = 1, m_1 = (3 - 1 + 2 + 2) / 4 = 1.5,
    // h = [(1 + 2.25) / 4, 2 / 4]. g: channel 0 sums to 1 (s_0 = 1 / 2), channel 1 to 0.
    const norm = { batch: 2, channels: 2, spatial: 2 };
    const m = new Float64Array(2);
    normChannelMeans(m, [1, 2, 3, -1, 0, 1, 2, 2], norm);
    close(m, [1, 1.5]);
    const h = new Float64Array(2);
    normFactorH(h, m, norm.batch);
    close(h, [0.8125, 0.5]);
    const s = new Float64Array(2);
    normFactorS(s, [0.5, -1, 2, 0, 1, 0.5, -3, 1], norm);
    close(s, [0.5, 0]);
  });

  it('the BatchNorm formulas with spatial 1 are the LayerNorm ones of docs/adafisher.md', () => {
    // LayerNorm on N = 3 rows of C = 2: m_c = sum_n x[n, c], h = [sum m^2, C] / N^2, s_c = (sum_n g)^2 / N.
    const norm = { batch: 3, channels: 2, spatial: 1 };
    const m = new Float64Array(2);
    normChannelMeans(m, [1, 2, 3, 4, 5, 6], norm);
    close(m, [9, 12]);
    const h = new Float64Array(2);
    normFactorH(h, m, 3);
    close(h, [(81 + 144) / 9, 2 / 9]);
    const s = new Float64Array(2);
    normFactorS(s, [1, 0, 2, 1, -1, 1], norm);
    close(s, [4 / 3, 4 / 3]);
  });

  it('min-max normalisation maps the vector onto [0, 1], a constant vector onto 0', () => {
    close(minMaxNormalize(Float64Array.from([2, 4, 3])), [0, 2 / (2 + 1e-12), 1 / (2 + 1e-12)]);
    close(minMaxNormalize(Float64Array.from([5, 5])), [0, 0]);
  });

  it('running averages: reference form 0.08 old + 0.008 new, paper form 0.8 old + 0.2 new', () => {
    const config = adafisherSchema.parse({ type: 'adafisher', lr: 1e-3 });
    const reference = averageWeights(config);
    expect(reference.keep).toBeCloseTo(0.08, 15);
    expect(reference.add).toBe(0.008);
    const D = Float64Array.from([1, 1]);
    runningAverage(D, [0, 1], reference.keep, reference.add);
    close(D, [0.08, 0.088]);
    const paper = averageWeights({ ...config, average: 'paper' });
    const P = Float64Array.from([1, 1]);
    runningAverage(P, [0, 1], paper.keep, paper.add);
    close(P, [0.8, 1]);
  });

  it('measureLayer picks the Kronecker or the normalisation formulas from the geometry', () => {
    const linear = layerGeometry({ op: 'linear', name: 'fc', input: 'a', output: 'b', inFeatures: 2, outFeatures: 1, bias: true }, [2, 2]);
    const { h, s } = measureLayer(linear, [1, 2, 3, 4], [1, 3]);
    close(h, [5, 10, 1]);
    close(s, [5]);
    const bn = layerGeometry({ op: 'batchnorm2d', name: 'bn', input: 'a', output: 'b', channels: 2, momentum: 0.1, eps: 1e-5 }, [2, 2, 1, 2]);
    const measured = measureLayer(bn, [1, 2, 3, -1, 0, 1, 2, 2], [0.5, -1, 2, 0, 1, 0.5, -3, 1]);
    close(measured.h, [0.8125, 0.5]);
    close(measured.s, [0.5, 0]);
  });

  it('a Linear layer on (B, T, C) input has N = B*T rows', () => {
    const geometry = layerGeometry({ op: 'linear', name: 'proj', input: 'a', output: 'b', inFeatures: 4, outFeatures: 3, bias: false }, [2, 3, 4]);
    expect(geometry.kind === 'kronecker' && geometry.patch.batch).toBe(6);
    expect(geometry.hLength).toBe(4);
    expect(() => layerGeometry({ op: 'linear', name: 'proj', input: 'a', output: 'b', inFeatures: 4, outFeatures: 3, bias: false }, [2, 5])).toThrow(
      'linear "proj"',
    );
  });
});

describe('AdaFisher preconditioner and update', () => {
  it('F = S ⊗ H + λ for a 2x3 weight, and its min, median and max', () => {
    // S = [1, 2], H = [0.5, 1, 2], λ = 0.1.
    close(kroneckerPreconditioner([1, 2], [0.5, 1, 2], 0.1), [0.6, 1.1, 2.1, 1.1, 2.1, 4.1]);
    const stats = preconditionerStats('fc', [1, 2], [0.5, 1, 2], 0.1);
    expect(stats.layer).toBe('fc');
    expect(stats.min).toBeCloseTo(0.6, 12);
    expect(stats.median).toBeCloseTo((1.1 + 2.1) / 2, 12);
    expect(stats.max).toBeCloseTo(4.1, 12);
  });

  it('parameters find their factor entries by layer name and role; others get F = 1', () => {
    const graph = tinyGraph();
    const nodes = graph.nodes.filter(isPreconditioned);
    const embedding: ParameterSpec = { name: 'wte.weight', shape: [5, 3], layer: 'wte', role: 'weight', trainable: true };
    const mapping = parameterPreconditioners([embedding, ...parameterSpecs(graph)], nodes);
    expect(mapping.get('conv1.weight')).toEqual({ kind: 'kronecker', layer: 'conv1', rows: 4, cols: 27, hOffset: 0 });
    expect(mapping.get('conv1.bias')).toEqual({ kind: 'kronecker', layer: 'conv1', rows: 4, cols: 1, hOffset: 27 });
    expect(mapping.get('bn1.weight')).toEqual({ kind: 'kronecker', layer: 'bn1', rows: 4, cols: 1, hOffset: 0 });
    expect(mapping.get('bn1.bias')).toEqual({ kind: 'kronecker', layer: 'bn1', rows: 4, cols: 1, hOffset: 1 });
    expect(mapping.get('conv2.weight')).toEqual({ kind: 'kronecker', layer: 'conv2', rows: 4, cols: 36, hOffset: 0 });
    expect(mapping.get('fc.bias')).toEqual({ kind: 'kronecker', layer: 'fc', rows: 10, cols: 1, hOffset: 64 });
    expect(mapping.get('wte.weight')).toEqual({ kind: 'identity' });
    expect(mapping.has('bn1.running_mean')).toBe(false);
    close(parameterPreconditioner({ kind: 'identity' }, 3, null, null, 0.1), [1, 1, 1]);
    // A Linear 3 -> 2 with bias: H = [h0, h1, h2, h_bias]; the bias uses H[3].
    const S = [1, 2];
    const H = [0.5, 1, 2, 4];
    close(parameterPreconditioner({ kind: 'kronecker', layer: 'fc', rows: 2, cols: 3, hOffset: 0 }, 6, S, H, 0.1), [0.6, 1.1, 2.1, 1.1, 2.1, 4.1]);
    close(parameterPreconditioner({ kind: 'kronecker', layer: 'fc', rows: 2, cols: 1, hOffset: 3 }, 2, S, H, 0.1), [4.1, 8.1]);
  });

  it('rejects a parameter whose size does not fit its layer', () => {
    const node: PreconditionedNode = { op: 'linear', name: 'fc', input: 'a', output: 'b', inFeatures: 3, outFeatures: 2, bias: false };
    const wrong: ParameterSpec = { name: 'fc.weight', shape: [3, 3], layer: 'fc', role: 'weight', trainable: true };
    expect(() => parameterPreconditioners([wrong], [node])).toThrow('"fc.weight" has 9 elements, expected 2x3');
    const bias: ParameterSpec = { name: 'fc.bias', shape: [2], layer: 'fc', role: 'bias', trainable: true };
    expect(() => parameterPreconditioners([bias], [node])).toThrow('no place in linear layer "fc"');
  });

  it('AdaFisher (coupled L2): two hand-computed steps', () => {
    // θ = [1, -2], g = [0.5, 0.1], F = [2, 4], lr 0.1, β 0.9, wd 0.01.
    // t = 1: g' = [0.51, 0.08], m = [0.051, 0.008], 1 - β = 0.1: θ = [1 - 0.051 / 2, -2 - 0.008 / 4].
    const theta = Float64Array.from([1, -2]);
    const m = new Float64Array(2);
    const options = { lr: 0.1, beta: 0.9, weightDecay: 0.01, decoupled: false };
    adaFisherUpdate(theta, [0.5, 0.1], m, [2, 4], { ...options, t: 1 });
    close(m, [0.051, 0.008]);
    close(theta, [0.9745, -2.002]);
    // t = 2: g' = [0.5 + 0.009745, 0.1 - 0.02002], m = 0.9 m + 0.1 g' = [0.0968745, 0.015198], 1 - β^2 = 0.19.
    adaFisherUpdate(theta, [0.5, 0.1], m, [2, 4], { ...options, t: 2 });
    close(m, [0.0968745, 0.015198]);
    close(theta, [0.9745 - (0.1 / 0.19) * (0.0968745 / 2), -2.002 - (0.1 / 0.19) * (0.015198 / 4)]);
  });

  it('AdaFisherW (decoupled): a hand-computed step', () => {
    // m = 0.1 g = [0.05, 0.01]; θ - lr (m / 0.1 / F + wd θ) = [1 - 0.1 (0.25 + 0.1), -2 - 0.1 (0.025 - 0.2)].
    const theta = Float64Array.from([1, -2]);
    const m = new Float64Array(2);
    adaFisherUpdate(theta, [0.5, 0.1], m, [2, 4], { lr: 0.1, beta: 0.9, weightDecay: 0.1, decoupled: true, t: 1 });
    close(m, [0.05, 0.01]);
    close(theta, [0.965, -1.9825]);
  });
});

describe('reference AdaFisher on a model', () => {
  const setup = (overrides: Record<string, unknown>) => {
    const graph = tinyGraph();
    const initial = initialParameters(graph, 3);
    const model = new ReferenceModel(graph, 2, initial);
    const config = adafisherSchema.parse({ type: 'adafisher', lr: 1e-3, tcov: 2, weight_decay: 5e-4, ...overrides });
    return { graph, model, config, optimizer: createReferenceAdaFisher(model, config) };
  };
  const trainStep = (model: ReferenceModel, step: number) => {
    const { images, labels } = randomBatch(100 + step, 2, model.graph.inputShape, model.graph.classes);
    model.forward(images, labels, true);
    model.backward();
  };

  it('measures at step 0 from ones, keeps the factors between measurements, and measures again at tcov', () => {
    const { model, optimizer, graph } = setup({});
    const nodes = graph.nodes.filter(isPreconditioned);
    const expectedAfter = (previous: Map<string, { H: Float64Array; S: Float64Array }>) => {
      const expected = new Map<string, { H: Float64Array; S: Float64Array }>();
      for (const node of nodes) {
        const geometry = layerGeometry(node, model.shapes.get(node.input)!);
        const { h, s } = measureLayer(geometry, model.activations.get(node.input)!, model.activationGrads.get(node.output)!);
        const H = previous.get(node.name)!.H.slice();
        const S = previous.get(node.name)!.S.slice();
        runningAverage(H, minMaxNormalize(h), 1 - 0.92, 0.008);
        runningAverage(S, minMaxNormalize(s), 1 - 0.92, 0.008);
        expected.set(node.name, { H, S });
      }
      return expected;
    };
    const ones = new Map(
      nodes.map((node) => {
        const geometry = layerGeometry(node, model.shapes.get(node.input)!);
        return [node.name, { H: new Float64Array(geometry.hLength).fill(1), S: new Float64Array(geometry.sLength).fill(1) }];
      }),
    );
    expect(optimizer.factors()).toEqual(ones);
    trainStep(model, 0);
    const afterFirst = expectedAfter(ones);
    optimizer.step(0, 1e-3);
    expect(optimizer.factors()).toEqual(afterFirst);
    expect(optimizer.factors().get('conv1')!.H.length).toBe(28);
    expect(optimizer.factors().get('bn1')!.H.length).toBe(2);
    trainStep(model, 1);
    optimizer.step(1, 1e-3);
    expect(optimizer.factors()).toEqual(afterFirst);
    trainStep(model, 2);
    const afterSecond = expectedAfter(afterFirst);
    optimizer.step(2, 1e-3);
    expect(optimizer.factors()).toEqual(afterSecond);
    const diagnostics = optimizer.diagnostics();
    expect(diagnostics.map((d) => d.layer)).toEqual(['conv1', 'bn1', 'conv2', 'fc']);
    const fc = afterSecond.get('fc')!;
    expect(diagnostics[3]).toEqual(preconditionerStats('fc', fc.S, fc.H, 1e-3));
  });

  it('updates every trainable parameter with its own F and leaves the running statistics alone', () => {
    const { model, optimizer, config } = setup({ type: 'adafisherw', weight_decay: 0.1 });
    trainStep(model, 0);
    const before = new Map([...model.params].map(([name, values]) => [name, values.slice()]));
    const grads = new Map([...model.grads].map(([name, values]) => [name, values.slice()]));
    optimizer.step(0, 2e-3);
    const factors = optimizer.factors();
    const mapping = parameterPreconditioners(model.specs, model.graph.nodes.filter(isPreconditioned));
    for (const [name, entry] of mapping) {
      const layer = entry.kind === 'kronecker' ? factors.get(entry.layer)! : null;
      const theta = before.get(name)!.slice();
      const F = parameterPreconditioner(entry, theta.length, layer?.S ?? null, layer?.H ?? null, config.damping);
      adaFisherUpdate(theta, grads.get(name)!, new Float64Array(theta.length), F, { lr: 2e-3, beta: 0.9, weightDecay: 0.1, decoupled: true, t: 1 });
      expect(Array.from(model.params.get(name)!), name).toEqual(Array.from(theta));
      expect(
        model.params.get(name)!.some((value, i) => value !== before.get(name)![i]),
        name,
      ).toBe(true);
    }
    // Forward in training mode updates running stats; the optimizer itself must not.
    expect(Array.from(model.params.get('bn1.running_mean')!)).toEqual(Array.from(before.get('bn1.running_mean')!));
  });
});
