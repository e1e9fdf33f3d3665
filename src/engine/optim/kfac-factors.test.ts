import { describe, expect, it } from 'vitest';
import { conv2dBackward } from '../kernels/conv2d/conv2d.ref';
import { cnnSmall } from '../nn/presets';
import { inferShapes } from '../nn/shapes';
import { createRng, randomArray } from '../random';
import { tinyGraph, tinyGpt } from '../testing/tiny-graph';
import { predictionRows } from '../nn/graph';
import {
  choleskyInverse,
  dampingSplit,
  factorA,
  factorB,
  gram,
  kfacLayers,
  matmul,
  MIN_SPLIT_DAMPING,
  outputRows,
  patchMatrix,
  preconditionBias,
  preconditionWeight,
  rowGram,
  trace,
  woodburyInverse,
  type KfacLayer,
} from './kfac-factors.ref';
import { maxAbs, maxDiff } from '../testing/max-error';

const close = (actual: ArrayLike<number>, expected: readonly number[], digits = 12) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i], `[${i}]`).toBeCloseTo(value, digits));
};

describe('K-FAC damping split and inverse, worked by hand', () => {
  it('2x2: A = [[2, 1], [1, 2]], B = 0.5 I, λ = 0.01', () => {
    // tr A / 2 = 2, tr B / 2 = 0.5, π = sqrt(2 / 0.5) = 2, r = 0.1: λ_A = 0.2, λ_B = 0.05.
    const A = [2, 1, 1, 2];
    const B = [0.5, 0, 0, 0.5];
    const { lambdaA, lambdaB } = dampingSplit(trace(A, 2), 2, trace(B, 2), 2, 0.01);
    expect(lambdaA).toBeCloseTo(0.2, 15);
    expect(lambdaB).toBeCloseTo(0.05, 15);
    // (A + 0.2 I)⁻¹ = [[2.2, -1], [-1, 2.2]] / (2.2² - 1) = ... / 3.84; (B + 0.05 I)⁻¹ = I / 0.55.
    close(choleskyInverse(A, 2, lambdaA), [2.2 / 3.84, -1 / 3.84, -1 / 3.84, 2.2 / 3.84]);
    close(choleskyInverse(B, 2, lambdaB), [1 / 0.55, 0, 0, 1 / 0.55]);
  });

  it('3x3 A against 2x2 B: A = [[3.6, 2, 0], [2, 2.6, 1], [0, 1, 1.6]], B = [[0.8, 0.1], [0.1, 0.5]], λ = 0.04', () => {
    // tr A / 3 = 7.8 / 3 = 2.6, tr B / 2 = 0.65, π = sqrt(4) = 2, r = 0.2: λ_A = 0.4, λ_B = 0.1.
    const A = [3.6, 2, 0, 2, 2.6, 1, 0, 1, 1.6];
    const B = [0.8, 0.1, 0.1, 0.5];
    const { lambdaA, lambdaB } = dampingSplit(trace(A, 3), 3, trace(B, 2), 2, 0.04);
    expect(lambdaA).toBeCloseTo(0.4, 14);
    expect(lambdaB).toBeCloseTo(0.1, 14);
    // A + 0.4 I = [[4, 2, 0], [2, 3, 1], [0, 1, 2]]: det 4·5 - 2·4 = 12, cofactors by hand.
    close(
      choleskyInverse(A, 3, lambdaA),
      [5, -4, 2, -4, 8, -4, 2, -4, 8].map((v) => v / 12),
    );
    // B + 0.1 I = [[0.9, 0.1], [0.1, 0.6]]: det 0.53.
    close(
      choleskyInverse(B, 2, lambdaB),
      [0.6, -0.1, -0.1, 0.9].map((v) => v / 0.53),
    );
  });

  it('keeps λ on both sides when π is 0, infinite or undefined, and floors each side at 1e-7', () => {
    expect(dampingSplit(0, 2, 1, 2, 1e-3)).toEqual({ lambdaA: 1e-3, lambdaB: 1e-3 });
    expect(dampingSplit(1, 2, 0, 2, 1e-3)).toEqual({ lambdaA: 1e-3, lambdaB: 1e-3 });
    expect(dampingSplit(0, 2, 0, 2, 1e-3)).toEqual({ lambdaA: 1e-3, lambdaB: 1e-3 });
    // π = sqrt(1e12) = 1e6, r = 1e-2: λ_A = 1e4, λ_B = 1e-8 -> floored to 1e-7.
    const split = dampingSplit(1e12, 1, 1, 1, 1e-4);
    expect(split.lambdaA).toBeCloseTo(1e4, 6);
    expect(split.lambdaB).toBe(MIN_SPLIT_DAMPING);
  });

  it('gives NaN for a matrix that is not positive definite, as the GPU does', () => {
    expect(Number.isNaN(choleskyInverse([1, 2, 2, 1], 2, 0)[0])).toBe(true);
  });

  it('inverts a random SPD matrix to float64 accuracy (M · M⁻¹ = I)', () => {
    const rng = createRng(3);
    const n = 7;
    const x = randomArray(rng, 4 * n);
    const M = gram(x, 4, n, 0.25);
    const inverse = choleskyInverse(M, n, 0.1);
    const shifted = M.map((v, i) => v + (i % (n + 1) === 0 ? 0.1 : 0));
    const identity = matmul(shifted, inverse, n, n, n);
    expect(
      maxDiff(
        identity,
        Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)),
      ),
    ).toBeLessThan(1e-12);
  });
});

describe('K-FAC Woodbury inverse', () => {
  it.each([
    [1, 5, 1e-3],
    [5, 12, 1e-3],
    [3, 40, 0.3],
  ])('equals the Cholesky inverse of λI + s·XᵀX for X of %i rows and %i columns, λ = %f', (rows, d, lambda) => {
    const rng = createRng(rows * 100 + d);
    const x = randomArray(rng, rows * d);
    const scale = 1 / rows;
    const direct = choleskyInverse(gram(x, rows, d, scale), d, lambda);
    const woodbury = woodburyInverse(x, rows, d, scale, lambda);
    // The two routes agree to float64 rounding times the condition number (the largest
    // eigenvalue of s·XᵀX over λ, up to ~10⁴ here): measured 5.3e-14 relative at worst.
    const worst = maxDiff(direct, woodbury) / maxAbs(direct);
    expect(worst).toBeLessThan(1e-11);
  });
});

describe('K-FAC factors', () => {
  const geometry = (rows: number, batch: number) => kfacLayers(tinyGraph(), inferShapes(tinyGraph(), batch), batch, rows);

  it('lists the Conv2d and Linear layers of the tiny model with ASDL scales (N = batch, T = Hout·Wout)', () => {
    const layers = geometry(4, 4);
    expect(layers.map((layer) => [layer.name, layer.kind, layer.aDim, layer.bDim, layer.patchRows, layer.woodbury, layer.hasBias])).toEqual([
      ['conv1', 'conv2d', 27, 4, 4 * 64, false, true],
      ['conv2', 'conv2d', 36, 4, 4 * 64, false, false],
      ['fc', 'linear', 64, 10, 4, true, true],
    ]);
    expect(layers[0].aScale).toBeCloseTo(1 / (4 * 64), 15);
    expect(layers[2].aScale).toBeCloseTo(1 / 4, 15);
    // The model's gradient is of the mean loss over 4 rows: B = (4²/4) Σ g gᵀ.
    expect(layers.every((layer) => layer.bScale === 4)).toBe(true);
  });

  it("cnn-small's fc (2048 inputs, batch 32) takes the Woodbury route, its convolutions the Cholesky one", () => {
    const graph = cnnSmall();
    const layers = kfacLayers(graph, inferShapes(graph, 32), 32, 32);
    expect(layers.map((layer) => `${layer.name}:${layer.aDim}:${layer.woodbury}`)).toEqual(['conv1:27:false', 'conv2:144:false', 'fc:2048:true']);
  });

  it('a language model: every Linear with B·T rows, A scaled by 1/B and B by (B·T)²/B; no factor for the tied output layer, LayerNorm or embeddings', () => {
    const graph = tinyGpt();
    const batch = 3;
    const rows = predictionRows(graph, batch);
    const layers = kfacLayers(graph, inferShapes(graph, batch), batch, rows);
    expect(rows).toBe(15);
    expect(layers.length).toBe(2 * 6);
    expect(layers.every((layer) => layer.kind === 'linear' && layer.patchRows === 15)).toBe(true);
    expect(layers.every((layer) => Math.abs(layer.aScale - 1 / 3) < 1e-15 && Math.abs(layer.bScale - 75) < 1e-12)).toBe(true);
    expect(layers.map((layer) => layer.name)).not.toContain('wte');
  });

  it('the patch ordering (c, ky, kx) and the output rows match the convolution weight gradient: Gw = Σ g aᵀ', () => {
    const rng = createRng(11);
    const layer = geometry(2, 2)[0];
    const { patch } = layer;
    const x = randomArray(rng, patch.batch * patch.channels * patch.height * patch.width);
    const spatial = patch.outHeight * patch.outWidth;
    const g = randomArray(rng, patch.batch * layer.bDim * spatial);
    const dWeight = new Float64Array(layer.bDim * layer.aDim);
    conv2dBackward(null, dWeight, null, g, x, new Float64Array(dWeight.length), patch.batch, patch.channels, patch.height, patch.width, layer.bDim, 3, 1, 1, {
      accumulate: false,
      accumulateParams: false,
    });
    const rows = outputRows(g, patch.batch, layer.bDim, spatial);
    const patches = patchMatrix(x, patch);
    // Σ_r rows[r]ᵀ patches[r] as (bDim x aDim).
    const fromFactors = new Float64Array(layer.bDim * layer.aDim);
    for (let r = 0; r < layer.patchRows; r++)
      for (let o = 0; o < layer.bDim; o++)
        for (let i = 0; i < layer.aDim; i++) fromFactors[o * layer.aDim + i] += rows[r * layer.bDim + o] * patches[r * layer.aDim + i];
    expect(maxDiff(fromFactors, dWeight)).toBeLessThan(1e-12);
  });

  it('A and B of a 3x3 image by hand (1 channel, kernel 2, padding 0): A = mean a aᵀ over 4 patches / N·T scale, B = (rows²/N) Σ g gᵀ', () => {
    const layer: KfacLayer = {
      name: 'c',
      kind: 'conv2d',
      patch: { batch: 1, channels: 1, height: 3, width: 3, kernel: 2, stride: 1, padding: 0, outHeight: 2, outWidth: 2 },
      aDim: 4,
      bDim: 1,
      patchRows: 4,
      aScale: 1 / 4,
      bScale: 1,
      woodbury: false,
      hasBias: false,
    };
    // Patches of [[1,2,3],[4,5,6],[7,8,9]]: (1,2,4,5), (2,3,5,6), (4,5,7,8), (5,6,8,9).
    const A = factorA(layer, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A[0][0] = (1 + 4 + 16 + 25) / 4, A[0][3] = (1·5 + 2·6 + 4·8 + 5·9) / 4.
    expect(A[0]).toBeCloseTo(46 / 4, 12);
    expect(A[3]).toBeCloseTo(94 / 4, 12);
    expect(A[15]).toBeCloseTo((25 + 36 + 64 + 81) / 4, 12);
    // One output channel over 4 positions: B = Σ g² = 1 + 4 + 9 + 16.
    close(factorB(layer, [1, 2, 3, 4]), [30]);
  });

  it('rowGram is the transposed Gram: s·XXᵀ', () => {
    close(rowGram([1, 2, 3, 4, 5, 6], 2, 3, 0.5), [7, 16, 16, 38.5]);
  });
});

describe('K-FAC preconditioning', () => {
  it('B⁻¹ G A⁻¹ solves B P A = G; the bias gets B⁻¹ g only', () => {
    const rng = createRng(5);
    const [bDim, aDim] = [3, 4];
    const Bm = gram(randomArray(rng, 5 * bDim), 5, bDim, 0.2);
    const Am = gram(randomArray(rng, 6 * aDim), 6, aDim, 1 / 6);
    const G = randomArray(rng, bDim * aDim);
    const P = preconditionWeight(choleskyInverse(Bm, bDim, 0.01), G, choleskyInverse(Am, aDim, 0.02), bDim, aDim);
    const shift = (m: Float64Array, n: number, ridge: number) => m.map((v, i) => v + (i % (n + 1) === 0 ? ridge : 0));
    const back = matmul(matmul(shift(Bm, bDim, 0.01), P, bDim, bDim, aDim), shift(Am, aDim, 0.02), bDim, aDim, aDim);
    expect(maxDiff(back, G)).toBeLessThan(1e-10);
    const gb = randomArray(rng, bDim);
    const pb = preconditionBias(choleskyInverse(Bm, bDim, 0.01), gb, bDim);
    expect(maxDiff(matmul(shift(Bm, bDim, 0.01), pb, bDim, bDim, 1), gb)).toBeLessThan(1e-12);
  });
});
