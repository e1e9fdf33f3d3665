import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { tensorView } from '../../gpu/tensor';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './conv2d';
import { conv2dOutputSize } from './conv2d-shape';
import * as ref from './conv2d.ref';

// (B, Cin, H, W, Cout, K, stride, pad): batch 1, odd channel counts, non-square input, stride 2
// with and without padding, padding wider than the stride, a 1x1 stride-2 downsample, and K=5.
type Config = readonly [number, number, number, number, number, number, number, number];
const CONFIGS: readonly Config[] = [
  [1, 1, 5, 5, 1, 3, 1, 1],
  [2, 3, 8, 8, 4, 3, 1, 1],
  [1, 3, 7, 9, 5, 3, 2, 0],
  [3, 5, 6, 6, 7, 3, 2, 2],
  [2, 4, 5, 5, 3, 1, 2, 0],
  [1, 2, 9, 9, 3, 5, 1, 2],
  // The kernels are tiled GEMMs (tiles of 16 to 64 rows and 32 to 64 columns, inner slices of
  // 16); these shapes cross every tile boundary with partial tiles:
  // forward (Cout, B*Hout*Wout) over Cin*K*K, dWeight (Cout, Cin*K*K) over B*Hout*Wout:
  // Cout = 70, Cin*K*K = 147, B*Hout*Wout = 220. dInp (Cin, B*H*W) over Cout*K*K = 3430.
  [2, 3, 11, 10, 70, 7, 1, 3],
  // dInp splits the pixels into stride * stride phases, each its own GEMM: here (Cin = 5,
  // 3*7*6 = 126 pixels) over Cout * taps = 33, 66 or 132; Cout = 33, B*Hout*Wout = 126.
  [3, 5, 13, 12, 33, 3, 2, 1],
  // Stride 3 with K = 2: the phase y = 1 (mod 3) gets no tap at all and must come out zero.
  [2, 6, 10, 9, 17, 2, 3, 1],
  // H = 1 < stride: the phase y = 1 (mod 2) has no pixels.
  [1, 2, 1, 3, 3, 1, 2, 0],
];

// The first six configurations sum at most Cin*K*K = 50 (forward), Cout*K*K = 63 (dInp) and
// B*Hout*Wout = 128 (dWeight, dBias) float32 products of values in [-1, 1]; the tile-crossing
// ones up to 3430 (dInp of the 70-channel layer), whose rounding error grows with the length.
const TOLERANCE = { atol: 2e-5, rtol: 2e-4 };
const LONG_TOLERANCE = { atol: 1e-4, rtol: 1e-3 };
const LONG_SUM = 128;

describe('conv2d on the GPU', () => {
  for (const config of CONFIGS) {
    for (const withBias of [true, false]) {
      const [B, Cin, H, W, Cout, K, stride, pad] = config;
      it(`matches the reference for (B, Cin, H, W, Cout, K, stride, pad) = (${config.join(', ')}), ${withBias ? 'with' : 'without'} bias`, async () => {
        const ctx = await testContext();
        const rng = createRng(config.reduce((seed, v) => seed * 31 + v, withBias ? 1 : 2));
        const Hout = conv2dOutputSize(H, K, stride, pad);
        const Wout = conv2dOutputSize(W, K, stride, pad);
        const nInp = B * Cin * H * W;
        const nWeight = Cout * Cin * K * K;
        const nOut = B * Cout * Hout * Wout;
        const longest = Math.max(Cin * K * K, Cout * K * K, B * Hout * Wout);
        const tolerance = longest > LONG_SUM ? LONG_TOLERANCE : TOLERANCE;
        const inp = asFloat32Values(randomArray(rng, nInp));
        const weight = asFloat32Values(randomArray(rng, nWeight));
        const bias = withBias ? asFloat32Values(randomArray(rng, Cout)) : null;
        const dOut = asFloat32Values(randomArray(rng, nOut));
        const prevInp = asFloat32Values(randomArray(rng, nInp));
        const prevWeight = asFloat32Values(randomArray(rng, nWeight));
        const prevBias = asFloat32Values(randomArray(rng, Cout));

        const tInp = upload(ctx, 'inp', inp);
        const tWeight = upload(ctx, 'weight', weight);
        const tBias = bias ? upload(ctx, 'bias', bias) : null;
        const tDOut = upload(ctx, 'dOut', dOut);
        const tOut = upload(ctx, 'out', new Float32Array(nOut).fill(123));
        // Overwrite mode must ignore what the gradient buffers held before.
        const tDInp = upload(ctx, 'dInp', new Float32Array(nInp).fill(123));
        const tDWeight = upload(ctx, 'dWeight', new Float32Array(nWeight).fill(123));
        const tDBias = withBias ? upload(ctx, 'dBias', new Float32Array(Cout).fill(123)) : null;
        const tDInpAcc = upload(ctx, 'dInp acc', prevInp);
        const tDWeightAcc = upload(ctx, 'dWeight acc', prevWeight);
        const tDBiasAcc = withBias ? upload(ctx, 'dBias acc', prevBias) : null;
        // dInp = null, as for a network's first layer.
        const tDWeightOnly = upload(ctx, 'dWeight (no dInp)', new Float32Array(nWeight).fill(123));
        const tDBiasOnly = withBias ? upload(ctx, 'dBias (no dInp)', new Float32Array(Cout).fill(123)) : null;
        // dWeight = null, a frozen weight.
        const tDInpFrozen = upload(ctx, 'dInp (frozen weight)', new Float32Array(nInp).fill(123));

        const plan = await runPlan(ctx, 'conv2d', (p) => {
          gpu.conv2dForward(p, tOut, tInp, tWeight, tBias, B, Cin, H, W, Cout, K, stride, pad);
          gpu.conv2dBackward(p, tDInp, tDWeight, tDBias, tDOut, tInp, tWeight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
          gpu.conv2dBackward(p, tDInpAcc, tDWeightAcc, tDBiasAcc, tDOut, tInp, tWeight, B, Cin, H, W, Cout, K, stride, pad, ACCUMULATE_ALL);
          gpu.conv2dBackward(p, null, tDWeightOnly, tDBiasOnly, tDOut, tInp, tWeight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
          gpu.conv2dBackward(p, tDInpFrozen, null, null, tDOut, tInp, tWeight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
        });
        // forward + (dInp, dWeight[, dBias]) x 2 + dWeight[, dBias] + dInp: null gradients get no dispatch.
        expect(plan.dispatchCount).toBe(withBias ? 1 + 3 + 3 + 2 + 1 : 1 + 2 + 2 + 1 + 1);

        const out = new Float64Array(nOut);
        ref.conv2dForward(out, inp, weight, bias, B, Cin, H, W, Cout, K, stride, pad);
        const dInp = new Float64Array(nInp);
        const dWeight = new Float64Array(nWeight);
        const dBias = withBias ? new Float64Array(Cout) : null;
        ref.conv2dBackward(dInp, dWeight, dBias, dOut, inp, weight, B, Cin, H, W, Cout, K, stride, pad, OVERWRITE_ALL);
        const dInpAcc = prevInp.slice();
        const dWeightAcc = prevWeight.slice();
        const dBiasAcc = withBias ? prevBias.slice() : null;
        ref.conv2dBackward(dInpAcc, dWeightAcc, dBiasAcc, dOut, inp, weight, B, Cin, H, W, Cout, K, stride, pad, ACCUMULATE_ALL);

        const checks: [string, typeof tOut, Float64Array][] = [
          ['out', tOut, out],
          ['dInp', tDInp, dInp],
          ['dWeight', tDWeight, dWeight],
          ['dInp accumulated', tDInpAcc, dInpAcc],
          ['dWeight accumulated', tDWeightAcc, dWeightAcc],
          ['dWeight without dInp', tDWeightOnly, dWeight],
          ['dInp with the weight frozen', tDInpFrozen, dInp],
        ];
        if (tDBias && tDBiasAcc && tDBiasOnly && dBias && dBiasAcc) {
          checks.push(['dBias', tDBias, dBias], ['dBias accumulated', tDBiasAcc, dBiasAcc], ['dBias without dInp', tDBiasOnly, dBias]);
        }
        for (const [name, tensor, expected] of checks) {
          const result = compareArrays(await download(ctx, tensor), expected, tolerance, name);
          expect(result.ok, result.report).toBe(true);
        }
        plan.dispose();
        ctx.pool.releaseOwner('test');
      });
    }
  }

  it('rejects tensors whose sizes do not match the shape', async () => {
    const ctx = await testContext();
    const inp = upload(ctx, 'inp', new Float32Array(2 * 3 * 5 * 5));
    const weight = upload(ctx, 'weight', new Float32Array(4 * 3 * 3 * 3));
    const out = upload(ctx, 'out', new Float32Array(2 * 4 * 5 * 5));
    await runPlan(ctx, 'conv2d errors', (p) => {
      expect(() => gpu.conv2dForward(p, out, inp, weight, null, 2, 3, 5, 5, 4, 3, 2, 1)).toThrow(
        /conv2d_forward_no_bias: out "out" has 200 elements, expected 72/,
      );
      expect(() => gpu.conv2dForward(p, out, inp, weight, null, 2, 3, 5, 5, 4, 7, 1, 0)).toThrow(/output size would be -1/);
      expect(() => gpu.conv2dBackward(p, inp, weight, weight, out, inp, weight, 2, 3, 5, 5, 4, 3, 1, 1, OVERWRITE_ALL)).toThrow(
        /dBias "weight" has 108 elements, expected 4/,
      );
      const aliased = tensorView(inp.buffer, [4, 3, 3, 3], { label: 'aliased' });
      expect(() => gpu.conv2dBackward(p, null, aliased, null, out, inp, weight, 2, 3, 5, 5, 4, 3, 1, 1, OVERWRITE_ALL)).toThrow(
        /dWeight "aliased" and inp "inp" share a GPU buffer/,
      );
    });
    ctx.pool.releaseOwner('test');
  });
});
