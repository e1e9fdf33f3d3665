// AdaFisher's arithmetic in float64, as docs/adafisher.md derives it: the diagonal
// Kronecker factors measured from a layer's input (H) and output gradient (S), their min-max
// normalisation and running average, the preconditioner F = S ⊗ H + λ, the momentum update,
// and which factor entries precondition which parameter element. The GPU optimizer and its
// reference both take their geometry and parameter mapping from here.

import { convolutionPatches, middleAxisPatches, patchColumns, patchRows, type PatchGeometry } from '../kernels/gram/patch-geometry';
import type { ParameterSpec } from '../nn/parameters';
import type { PreconditionedNode } from '../nn/graph';
import type { Shape } from '../nn/shapes';
import { median, type PreconditionerStats } from './optimizer';

/** The eps of the min-max normalisation (docs/adafisher.md, section 4). */
export const NORMALIZE_EPS = 1e-12;

// The im2col geometry lives with the full-factor kernel that shares it; re-exported for the optimizer's callers.
export { patchColumns, patchRows, type PatchGeometry };

/**
 * A normalisation layer's input (batch, channels, spatial) in NCHW order. BatchNorm2d on
 * (B, C, H, W) is (B, C, H*W); LayerNorm on (B, T, C) is (B*T, C, 1), which turns the
 * BatchNorm formulas into the LayerNorm ones of docs/adafisher.md.
 */
export interface NormGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly spatial: number;
}

export type LayerGeometry =
  | {
      readonly kind: 'kronecker';
      readonly patch: PatchGeometry;
      readonly outputs: number;
      readonly hasBias: boolean;
      readonly hLength: number;
      readonly sLength: number;
    }
  | { readonly kind: 'norm'; readonly norm: NormGeometry; readonly hLength: 2; readonly sLength: number };

const product = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

/** Geometry of a preconditioned layer from its node and its input's shape. */
export function layerGeometry(node: PreconditionedNode, inputShape: Shape): LayerGeometry {
  switch (node.op) {
    case 'linear': {
      const rows = product(inputShape) / node.inFeatures;
      if (inputShape[inputShape.length - 1] !== node.inFeatures || !Number.isInteger(rows)) {
        throw new Error(`AdaFisher: linear "${node.name}" expects rows of ${node.inFeatures} features, got input [${inputShape}]`);
      }
      const patch = middleAxisPatches(rows, node.inFeatures, 1);
      return {
        kind: 'kronecker',
        patch,
        outputs: node.outFeatures,
        hasBias: node.bias,
        hLength: node.inFeatures + (node.bias ? 1 : 0),
        sLength: node.outFeatures,
      };
    }
    case 'conv2d': {
      const channels = inputShape[1];
      if (inputShape.length !== 4 || channels !== node.inChannels) {
        throw new Error(`AdaFisher: conv2d "${node.name}" expects a (B, ${node.inChannels}, H, W) input, got [${inputShape}]`);
      }
      const patch = convolutionPatches(inputShape, node);
      const columns = channels * node.kernel * node.kernel;
      return { kind: 'kronecker', patch, outputs: node.outChannels, hasBias: node.bias, hLength: columns + (node.bias ? 1 : 0), sLength: node.outChannels };
    }
    case 'batchnorm2d': {
      const [batch, channels, height, width] = inputShape;
      if (inputShape.length !== 4 || channels !== node.channels) {
        throw new Error(`AdaFisher: batchnorm2d "${node.name}" expects a (B, ${node.channels}, H, W) input, got [${inputShape}]`);
      }
      return { kind: 'norm', norm: { batch, channels, spatial: height * width }, hLength: 2, sLength: channels };
    }
    case 'layernorm': {
      // LayerNorm as docs/adafisher.md has it: BatchNorm's formulas with the N = B*T rows as the batch.
      const rows = product(inputShape) / node.features;
      if (inputShape.at(-1) !== node.features || !Number.isInteger(rows)) {
        throw new Error(`AdaFisher: layernorm "${node.name}" expects rows of ${node.features} features, got input [${inputShape}]`);
      }
      return { kind: 'norm', norm: { batch: rows, channels: node.features, spatial: 1 }, hLength: 2, sLength: node.features };
    }
  }
}

/**
 * h_j = (1/N) sum_n ā[n, j]^2 over the zero-padded im2col patches of x (B, C, H, W), columns
 * (c, ky, kx); with a bias the last entry is the ones column's mean square, 1.
 */
export function patchSquareMeans(h: Float64Array, x: ArrayLike<number>, patch: PatchGeometry, hasBias: boolean): void {
  const { batch, channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  const columns = patchColumns(patch);
  const rows = patchRows(patch);
  if (h.length !== columns + (hasBias ? 1 : 0)) throw new Error(`patchSquareMeans: h has ${h.length} entries, expected ${columns + (hasBias ? 1 : 0)}`);
  if (x.length !== batch * channels * height * width)
    throw new Error(`patchSquareMeans: x has ${x.length} values, expected ${batch * channels * height * width}`);
  for (let c = 0; c < channels; c++) {
    for (let ky = 0; ky < kernel; ky++) {
      for (let kx = 0; kx < kernel; kx++) {
        let sum = 0;
        for (let b = 0; b < batch; b++) {
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * stride - padding + ky;
            if (iy < 0 || iy >= height) continue;
            for (let ox = 0; ox < outWidth; ox++) {
              const ix = ox * stride - padding + kx;
              if (ix < 0 || ix >= width) continue;
              const value = x[((b * channels + c) * height + iy) * width + ix];
              sum += value * value;
            }
          }
        }
        h[(c * kernel + ky) * kernel + kx] = sum / rows;
      }
    }
  }
  if (hasBias) h[columns] = 1;
}

/** s_c = (1/(B*S)) sum_{b, p} g[b, c, p]^2 for g of shape (B, C, S): the rows of a Linear or Conv2d output gradient. */
export function channelSquareMeans(s: Float64Array, g: ArrayLike<number>, batch: number, channels: number, spatial: number): void {
  if (s.length !== channels) throw new Error(`channelSquareMeans: s has ${s.length} entries, expected ${channels}`);
  if (g.length !== batch * channels * spatial) throw new Error(`channelSquareMeans: g has ${g.length} values, expected ${batch * channels * spatial}`);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let p = 0; p < spatial; p++) sum += g[base + p] * g[base + p];
    }
    s[c] = sum / (batch * spatial);
  }
}

function channelSum(values: ArrayLike<number>, norm: NormGeometry, c: number): number {
  let sum = 0;
  for (let b = 0; b < norm.batch; b++) {
    const base = (b * norm.channels + c) * norm.spatial;
    for (let p = 0; p < norm.spatial; p++) sum += values[base + p];
  }
  return sum;
}

/** m_c = sum_{b, p} x[b, c, p] / S^2, the per-channel sums behind a normalisation layer's h. */
export function normChannelMeans(m: Float64Array, x: ArrayLike<number>, norm: NormGeometry): void {
  if (m.length !== norm.channels) throw new Error(`normChannelMeans: m has ${m.length} entries, expected ${norm.channels}`);
  if (x.length !== norm.batch * norm.channels * norm.spatial)
    throw new Error(`normChannelMeans: x has ${x.length} values, expected ${norm.batch * norm.channels * norm.spatial}`);
  for (let c = 0; c < norm.channels; c++) m[c] = channelSum(x, norm, c) / (norm.spatial * norm.spatial);
}

/** h = [sum_c m_c^2, C] / B^2 from the channel means m (entry 0 for the scale γ, entry 1 for the shift β). */
export function normFactorH(h: Float64Array, m: ArrayLike<number>, batch: number): void {
  if (h.length !== 2) throw new Error(`normFactorH: h has ${h.length} entries, expected 2`);
  let squares = 0;
  for (let c = 0; c < m.length; c++) squares += m[c] * m[c];
  const batchSquared = batch * batch;
  h[0] = squares / batchSquared;
  h[1] = m.length / batchSquared;
}

/** s_c = (sum_{b, p} g[b, c, p])^2 / B. */
export function normFactorS(s: Float64Array, g: ArrayLike<number>, norm: NormGeometry): void {
  if (s.length !== norm.channels) throw new Error(`normFactorS: s has ${s.length} entries, expected ${norm.channels}`);
  if (g.length !== norm.batch * norm.channels * norm.spatial)
    throw new Error(`normFactorS: g has ${g.length} values, expected ${norm.batch * norm.channels * norm.spatial}`);
  for (let c = 0; c < norm.channels; c++) {
    const sum = channelSum(g, norm, c);
    s[c] = (sum * sum) / norm.batch;
  }
}

/** A layer's raw measurements (h, s) from its input x and output gradient g. */
export function measureLayer(geometry: LayerGeometry, x: ArrayLike<number>, g: ArrayLike<number>): { h: Float64Array; s: Float64Array } {
  const h = new Float64Array(geometry.hLength);
  const s = new Float64Array(geometry.sLength);
  if (geometry.kind === 'kronecker') {
    const { patch } = geometry;
    patchSquareMeans(h, x, patch, geometry.hasBias);
    channelSquareMeans(s, g, patch.batch, geometry.outputs, patch.outHeight * patch.outWidth);
  } else {
    const m = new Float64Array(geometry.norm.channels);
    normChannelMeans(m, x, geometry.norm);
    normFactorH(h, m, geometry.norm.batch);
    normFactorS(s, g, geometry.norm);
  }
  return { h, s };
}

/** v <- (v - min v) / (max v - min v + 1e-12), in place. */
export function minMaxNormalize(v: Float64Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const value of v) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  const range = max - min + NORMALIZE_EPS;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] - min) / range;
  return v;
}

export interface AverageConfig {
  readonly average: 'reference' | 'paper';
  readonly gammas: readonly [number, number];
  readonly paper_gamma: number;
}

/**
 * D <- keep * D + add * v. Reference form: keep = 1 - γ0, add = γ1 (published code); paper
 * form: keep = γ, add = 1 - γ.
 */
export function averageWeights(config: AverageConfig): { keep: number; add: number } {
  return config.average === 'paper' ? { keep: config.paper_gamma, add: 1 - config.paper_gamma } : { keep: 1 - config.gammas[0], add: config.gammas[1] };
}

/** D <- keep * D + add * v, in place. */
export function runningAverage(D: Float64Array, v: ArrayLike<number>, keep: number, add: number): void {
  if (D.length !== v.length) throw new Error(`runningAverage: factor of ${D.length} entries, measurement of ${v.length}`);
  for (let i = 0; i < D.length; i++) D[i] = keep * D[i] + add * v[i];
}

/** F[i, j] = S[i] * H[j] + λ, row-major (S.length x H.length): the weight columns, then the bias column. */
export function kroneckerPreconditioner(S: ArrayLike<number>, H: ArrayLike<number>, damping: number): Float64Array {
  const F = new Float64Array(S.length * H.length);
  for (let i = 0; i < S.length; i++) for (let j = 0; j < H.length; j++) F[i * H.length + j] = S[i] * H[j] + damping;
  return F;
}

/** min, median and max of a layer's F = S ⊗ H + λ (weight and bias entries together). */
export function preconditionerStats(layer: string, S: ArrayLike<number>, H: ArrayLike<number>, damping: number): PreconditionerStats {
  const F = kroneckerPreconditioner(S, H, damping);
  let min = Infinity;
  let max = -Infinity;
  for (const value of F) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return { layer, min, median: median(F), max };
}

/**
 * How one parameter tensor is preconditioned. A "kronecker" tensor is a rows x cols matrix
 * (rows = the layer's S entries) whose element (r, c) has F = S[r] * H[hOffset + c] + λ:
 * a weight uses H[0..in), a bias the ones column H[in], a BatchNorm scale H[0] and shift H[1].
 * Parameters of no preconditioned layer (embeddings) use F = 1.
 */
export type ParameterPreconditioner =
  | { readonly kind: 'kronecker'; readonly layer: string; readonly rows: number; readonly cols: number; readonly hOffset: number }
  | { readonly kind: 'identity' };

/** The preconditioner of every trainable parameter, matched to its layer by name and role. */
export function parameterPreconditioners(specs: readonly ParameterSpec[], nodes: readonly PreconditionedNode[]): Map<string, ParameterPreconditioner> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const result = new Map<string, ParameterPreconditioner>();
  for (const spec of specs) {
    if (!spec.trainable) continue;
    const node = byName.get(spec.layer);
    const size = product(spec.shape);
    if (!node) {
      result.set(spec.name, { kind: 'identity' });
      continue;
    }
    let entry: ParameterPreconditioner | null = null;
    if (node.op === 'batchnorm2d' || node.op === 'layernorm') {
      const channels = node.op === 'layernorm' ? node.features : node.channels;
      if (spec.role === 'weight' || spec.role === 'bias')
        entry = { kind: 'kronecker', layer: node.name, rows: channels, cols: 1, hOffset: spec.role === 'weight' ? 0 : 1 };
    } else {
      const inputs = node.op === 'linear' ? node.inFeatures : node.inChannels * node.kernel * node.kernel;
      const outputs = node.op === 'linear' ? node.outFeatures : node.outChannels;
      if (spec.role === 'weight') entry = { kind: 'kronecker', layer: node.name, rows: outputs, cols: inputs, hOffset: 0 };
      else if (spec.role === 'bias' && node.bias) entry = { kind: 'kronecker', layer: node.name, rows: outputs, cols: 1, hOffset: inputs };
    }
    if (!entry) throw new Error(`AdaFisher: parameter "${spec.name}" (${spec.role}) has no place in ${node.op} layer "${node.name}"`);
    if (entry.kind === 'kronecker' && entry.rows * entry.cols !== size) {
      throw new Error(`AdaFisher: parameter "${spec.name}" has ${size} elements, expected ${entry.rows}x${entry.cols} from layer "${node.name}"`);
    }
    result.set(spec.name, entry);
  }
  return result;
}

/** F for each element of one parameter tensor (row-major), from its layer's factors. */
export function parameterPreconditioner(
  entry: ParameterPreconditioner,
  size: number,
  S: ArrayLike<number> | null,
  H: ArrayLike<number> | null,
  damping: number,
): Float64Array {
  const F = new Float64Array(size);
  if (entry.kind === 'identity') return F.fill(1);
  if (!S || !H) throw new Error(`AdaFisher: no factors for layer "${entry.layer}"`);
  for (let r = 0; r < entry.rows; r++) for (let c = 0; c < entry.cols; c++) F[r * entry.cols + c] = S[r] * H[entry.hOffset + c] + damping;
  return F;
}

export interface UpdateOptions {
  readonly lr: number;
  readonly beta: number;
  readonly weightDecay: number;
  /** AdaFisherW: weight decay applied to θ directly instead of added to the gradient. */
  readonly decoupled: boolean;
  /** This parameter's step count, from 1. */
  readonly t: number;
}

/**
 * One step, in place.
 * AdaFisher: g' = g + wd θ; m <- β m + (1-β) g'; θ <- θ - (lr / (1-β^t)) m / F.
 * AdaFisherW: m <- β m + (1-β) g; θ <- θ - lr (m / (1-β^t) / F + wd θ).
 */
export function adaFisherUpdate(theta: Float64Array, grad: ArrayLike<number>, momentum: Float64Array, F: ArrayLike<number>, options: UpdateOptions): void {
  const { lr, beta, weightDecay, decoupled, t } = options;
  const correction = 1 - beta ** t;
  for (let i = 0; i < theta.length; i++) {
    if (decoupled) {
      momentum[i] = beta * momentum[i] + (1 - beta) * grad[i];
      theta[i] -= lr * (momentum[i] / correction / F[i] + weightDecay * theta[i]);
    } else {
      const g = grad[i] + weightDecay * theta[i];
      momentum[i] = beta * momentum[i] + (1 - beta) * g;
      theta[i] -= (lr / correction) * (momentum[i] / F[i]);
    }
  }
}
