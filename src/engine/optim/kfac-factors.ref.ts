// K-FAC's arithmetic in float64, as ASDL's KfacGradientMaker computes it with the Monte-Carlo
// Fisher (docs/optimizers.md): which layers get Kronecker factors and with what scale, the
// factors A and B, the factored Tikhonov damping, the inverses (Cholesky, or the Woodbury
// identity when a Linear layer's input has fewer rows than columns), and B⁻¹ G A⁻¹. The GPU
// optimizer takes its layer geometry from here; the float64 twin takes all of it.

export { dampingSplit, MIN_SPLIT_DAMPING, trace } from '../kernels/kfac-damping/kfac-damping.ref';
import type { ModelGraph } from '../nn/graph';
import { trainedLayerNodes } from '../nn/parameters';
import type { Shape } from '../nn/shapes';
import { convolutionPatches, middleAxisPatches, type PatchGeometry } from '../kernels/gram/patch-geometry';

/**
 * One preconditioned layer. A is aDim x aDim over the im2col patches of its input (a Linear
 * layer on (rows, in) is the 1x1 convolution of `rows` one-pixel images), B is bDim x bDim over
 * its output gradient seen as (batch, bDim, spatial).
 */
export interface KfacLayer {
  readonly name: string;
  readonly kind: 'linear' | 'conv2d';
  readonly patch: PatchGeometry;
  /** in (Linear) or Cin·k·k (Conv2d): A's size and the weight's columns. */
  readonly aDim: number;
  /** out features or channels: B's size and the weight's rows. */
  readonly bDim: number;
  /** Rows of the patch matrix: rows (Linear), B·Hout·Wout (Conv2d). */
  readonly patchRows: number;
  /** A = aScale · Σ a aᵀ: 1/N for Linear, 1/(N·T) for Conv2d (T = Hout·Wout). */
  readonly aScale: number;
  /**
   * B = bScale · Σ g gᵀ with g the model's gradient of the MEAN loss: the sum loss's gradient is
   * rows·g, so ASDL's (1/N) Σ (rows·g)(rows·g)ᵀ is (rows²/N) Σ g gᵀ.
   */
  readonly bScale: number;
  /** A⁻¹ by the Woodbury identity from the input rows X (Linear layers with rows < in). */
  readonly woodbury: boolean;
  readonly hasBias: boolean;
}

const product = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

/**
 * The layers K-FAC preconditions: every Conv2d and Linear that is not frozen (not BatchNorm,
 * LayerNorm, embeddings or a language model's tied output layer), in graph order. N, ASDL's data size, is the batch
 * (images, or sequences of a language model); `rows` is the loss's prediction rows (B, or B·T).
 */
export function kfacLayers(graph: ModelGraph, shapes: ReadonlyMap<string, Shape>, batch: number, rows: number): KfacLayer[] {
  const layers: KfacLayer[] = [];
  const bScale = (rows * rows) / batch;
  for (const node of trainedLayerNodes(graph)) {
    if (node.op === 'linear') {
      const inputShape = shapes.get(node.input)!;
      const patchRows = product(inputShape) / node.inFeatures;
      if (inputShape.at(-1) !== node.inFeatures || !Number.isInteger(patchRows)) {
        throw new Error(`K-FAC: linear "${node.name}" expects rows of ${node.inFeatures} features, got input [${inputShape}]`);
      }
      const patch = middleAxisPatches(patchRows, node.inFeatures, 1);
      layers.push({
        name: node.name,
        kind: 'linear',
        patch,
        aDim: node.inFeatures,
        bDim: node.outFeatures,
        patchRows,
        aScale: 1 / batch,
        bScale,
        woodbury: patchRows < node.inFeatures,
        hasBias: node.bias,
      });
    } else if (node.op === 'conv2d') {
      const inputShape = shapes.get(node.input)!;
      const [imageBatch, channels] = inputShape;
      if (inputShape.length !== 4 || channels !== node.inChannels) {
        throw new Error(`K-FAC: conv2d "${node.name}" expects a (B, ${node.inChannels}, H, W) input, got [${inputShape}]`);
      }
      const patch = convolutionPatches(inputShape, node);
      const spatial = patch.outHeight * patch.outWidth;
      layers.push({
        name: node.name,
        kind: 'conv2d',
        patch,
        aDim: channels * node.kernel * node.kernel,
        bDim: node.outChannels,
        patchRows: imageBatch * spatial,
        aScale: 1 / (batch * spatial),
        bScale,
        woodbury: false,
        hasBias: node.bias,
      });
    }
  }
  return layers;
}

/** The zero-padded im2col value of patch row (b, oy, ox) and column (c, ky, kx). */
function patchValue(x: ArrayLike<number>, patch: PatchGeometry, row: number, column: number): number {
  const { channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  const ox = row % outWidth;
  const oy = Math.floor(row / outWidth) % outHeight;
  const b = Math.floor(row / (outWidth * outHeight));
  const kx = column % kernel;
  const ky = Math.floor(column / kernel) % kernel;
  const c = Math.floor(column / (kernel * kernel));
  const iy = oy * stride - padding + ky;
  const ix = ox * stride - padding + kx;
  if (iy < 0 || iy >= height || ix < 0 || ix >= width) return 0;
  return x[((b * channels + c) * height + iy) * width + ix];
}

/** The im2col matrix (patchRows x aDim, row-major) of a layer input x (B, C, H, W). */
export function patchMatrix(x: ArrayLike<number>, patch: PatchGeometry): Float64Array {
  const columns = patch.channels * patch.kernel * patch.kernel;
  const rows = patch.batch * patch.outHeight * patch.outWidth;
  if (x.length !== patch.batch * patch.channels * patch.height * patch.width) {
    throw new Error(`patchMatrix: x has ${x.length} values, expected ${patch.batch * patch.channels * patch.height * patch.width}`);
  }
  const out = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[r * columns + c] = patchValue(x, patch, r, c);
  return out;
}

/** scale · XᵀX for X (rows x cols, row-major): a cols x cols matrix. */
export function gram(x: ArrayLike<number>, rows: number, cols: number, scale: number): Float64Array {
  if (x.length !== rows * cols) throw new Error(`gram: X has ${x.length} values, expected ${rows}x${cols}`);
  const out = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let i = 0; i < cols; i++) {
      const xi = x[base + i];
      if (xi === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += xi * x[base + j];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/** scale · XXᵀ for X (rows x cols, row-major): a rows x rows matrix. */
export function rowGram(x: ArrayLike<number>, rows: number, cols: number, scale: number): Float64Array {
  if (x.length !== rows * cols) throw new Error(`rowGram: X has ${x.length} values, expected ${rows}x${cols}`);
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < cols; k++) sum += x[i * cols + k] * x[j * cols + k];
      out[i * rows + j] = out[j * rows + i] = scale * sum;
    }
  }
  return out;
}

/** A = aScale · Σ a aᵀ over the layer input's im2col patches, without a bias column. */
export function factorA(layer: KfacLayer, x: ArrayLike<number>): Float64Array {
  return gram(patchMatrix(x, layer.patch), layer.patchRows, layer.aDim, layer.aScale);
}

/** The output gradient g (B, C, S) as rows (b, s) x channels c. */
export function outputRows(g: ArrayLike<number>, batch: number, channels: number, spatial: number): Float64Array {
  if (g.length !== batch * channels * spatial) throw new Error(`outputRows: g has ${g.length} values, expected ${batch}*${channels}*${spatial}`);
  const out = new Float64Array(g.length);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++) for (let s = 0; s < spatial; s++) out[(b * spatial + s) * channels + c] = g[(b * channels + c) * spatial + s];
  return out;
}

/** B = bScale · Σ_{n,t} g gᵀ over the layer's output gradient (the model's mean-loss gradient of the sampled labels). */
export function factorB(layer: KfacLayer, g: ArrayLike<number>): Float64Array {
  const { patch } = layer;
  const spatial = patch.outHeight * patch.outWidth;
  return gram(outputRows(g, patch.batch, layer.bDim, spatial), patch.batch * spatial, layer.bDim, layer.bScale);
}

/**
 * (M + ridge·I)⁻¹ of a symmetric n x n matrix by Cholesky, L Lᵀ = M + ridge·I, then
 * L⁻¹ by forward substitution and (L⁻¹)ᵀ L⁻¹. A matrix that is not positive definite gives
 * NaN (the square root of a negative pivot), as on the GPU.
 */
export function choleskyInverse(m: ArrayLike<number>, n: number, ridge: number): Float64Array {
  if (m.length !== n * n) throw new Error(`choleskyInverse: matrix has ${m.length} values, expected ${n}x${n}`);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = m[j * n + j] + ridge;
    for (let k = 0; k < j; k++) diagonal -= L[j * n + k] * L[j * n + k];
    const pivot = Math.sqrt(diagonal);
    L[j * n + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      let sum = m[i * n + j];
      for (let k = 0; k < j; k++) sum -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = sum / pivot;
    }
  }
  // Linv lower triangular: L · Linv = I.
  const Linv = new Float64Array(n * n);
  for (let col = 0; col < n; col++) {
    for (let i = col; i < n; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = col; k < i; k++) sum -= L[i * n + k] * Linv[k * n + col];
      Linv[i * n + col] = sum / L[i * n + i];
    }
  }
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < n; k++) sum += Linv[k * n + i] * Linv[k * n + j];
      inverse[i * n + j] = inverse[j * n + i] = sum;
    }
  }
  return inverse;
}

/**
 * (λI + s·XᵀX)⁻¹ for X (rows x d) with rows < d, by the Woodbury identity:
 *   (λI + s·XᵀX)⁻¹ = (1/λ) (I − s·Xᵀ (λI + s·XXᵀ)⁻¹ X),
 * exact in exact arithmetic; it inverts a rows x rows matrix instead of a d x d one. Steps as
 * on the GPU: K = s·XXᵀ, K⁻¹ = (K + λI)⁻¹, M = K⁻¹X, P = XᵀM, A⁻¹ = (I − s·P)/λ.
 */
export function woodburyInverse(x: ArrayLike<number>, rows: number, d: number, scale: number, lambda: number): Float64Array {
  const kInverse = choleskyInverse(rowGram(x, rows, d, scale), rows, lambda);
  const M = matmul(kInverse, x, rows, rows, d);
  const P = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < d; i++) {
      const xi = x[r * d + i];
      if (xi === 0) continue;
      for (let j = 0; j < d; j++) P[i * d + j] += xi * M[r * d + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) P[i * d + j] = ((i === j ? 1 : 0) - scale * P[i * d + j]) / lambda;
  return P;
}

/** C = A·B for A (m x k) and B (k x n), row-major. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  if (a.length !== m * k || b.length !== k * n) throw new Error(`matmul: got ${a.length} and ${b.length} values for ${m}x${k} times ${k}x${n}`);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aip * b[p * n + j];
    }
  }
  return out;
}

/** B⁻¹ · G · A⁻¹ for a weight gradient G viewed as (bDim, aDim). */
export function preconditionWeight(bInverse: ArrayLike<number>, g: ArrayLike<number>, aInverse: ArrayLike<number>, bDim: number, aDim: number): Float64Array {
  return matmul(matmul(bInverse, g, bDim, bDim, aDim), aInverse, bDim, aDim, aDim);
}

/** B⁻¹ · g_b for a bias gradient (no A side). */
export function preconditionBias(bInverse: ArrayLike<number>, g: ArrayLike<number>, bDim: number): Float64Array {
  return matmul(bInverse, g, bDim, bDim, 1);
}
