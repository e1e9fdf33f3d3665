// The standalone K-FAC of the AdaFisher repository's loss-landscape notebook (`variant:
// notebook`; Analysis/optimizers/kfac.py, in the style of alecwangcq/KFAC-Pytorch) in float64
// on a ReferenceModel, the twin of kfac-notebook.ts. Not ASDL's K-FAC (kfac.ref.ts):
//   curvature (step % interval == 0), from the ordinary true-label pass (the empirical Fisher):
//     A_new = Σ ā āᵀ / (B·T²) with ā the im2col patch plus a ones column when the layer has a
//       bias (Linear: T = 1);  G_new = B·T · Σ g gᵀ with g the mean-loss output gradient;
//     A <- stat_decay·A + (1 − stat_decay)·A_new, G likewise, both starting from I;
//   every inverse_interval steps (and the first step taken): A = Q_a diag(d_a) Q_aᵀ, G likewise
//     (Jacobi), eigenvalues at or below 1e-10 set to 0;
//   every step, per Conv2d and Linear layer with P = [G_w | g_b]:
//     V = Q_g [(Q_gᵀ P Q_a) ⊘ (d_g d_aᵀ + λ)] Q_aᵀ;
//     ν = min(1, sqrt(kl_clip / Σ lr²⟨V, P⟩)), gradients <- ν·V (other parameters unchanged);
//   then g += wd·θ on every parameter once step ≥ 20·interval, and SGD with momentum (buf = g at
//   the first step, momentum·buf + g after; no dampening, no Nesterov), θ <- θ − lr·buf.

import type { ModelGraph } from '../nn/graph';
import type { ReferenceModel } from '../nn/reference-model';
import type { Shape } from '../nn/shapes';
import { jacobiEigen, type Eigen } from '../kernels/kfac-eigen/kfac-eigen.ref';
import { klScale } from '../kernels/kfac-notebook/kfac-notebook.ref';
import { gram, kfacLayers, matmul, outputRows, patchMatrix, type KfacLayer } from './kfac-factors.ref';
import { checkKfacConfig, type KfacConfig } from './kfac.ref';
import type { ReferenceOptimizer } from './optimizer';
import { checkStep, createReferenceSgd } from './sgd.ref';

/**
 * The largest factor side the notebook variant takes: its eigendecompositions run one
 * workgroup per factor (the Iris MLP's factors are 3x3 at most).
 */
export const NOTEBOOK_MAX_SIDE = 256;

/** Weight decay joins the gradient only from this many curvature intervals on (the notebook's steps ≥ 20·TCov). */
export const WEIGHT_DECAY_DELAY_INTERVALS = 20;

export interface NotebookLayer extends KfacLayer {
  /** A's side: aDim, plus 1 for the bias column. */
  readonly aSide: number;
  /** T: output positions per image (1 for Linear). */
  readonly spatial: number;
}

/** The layers the notebook preconditions (every Conv2d and Linear), refusing what it cannot run. */
export function notebookLayers(graph: ModelGraph, shapes: ReadonlyMap<string, Shape>, batch: number): NotebookLayer[] {
  if (graph.task === 'language-modeling') {
    throw new Error(
      `K-FAC: variant notebook takes (batch, features) inputs to its Linear layers, as the notebook's code does; ${graph.preset} is a language model: use variant asdl`,
    );
  }
  return kfacLayers(graph, shapes, batch, batch).map((layer) => {
    const aSide = layer.aDim + (layer.hasBias ? 1 : 0);
    for (const [factor, side] of [
      ['A', aSide],
      ['G', layer.bDim],
    ] as const) {
      if (side > NOTEBOOK_MAX_SIDE) {
        throw new Error(
          `K-FAC: variant notebook eigendecomposes each factor in one workgroup, up to ${NOTEBOOK_MAX_SIDE}x${NOTEBOOK_MAX_SIDE}; layer ${layer.name}'s factor ${factor} is ${side}x${side}: use variant asdl`,
        );
      }
    }
    return { ...layer, aSide, spatial: layer.patch.outHeight * layer.patch.outWidth };
  });
}

/** A_new = Σ ā āᵀ / (B·T²), ā = [patch, 1] (the ones column only with a bias). */
export function notebookFactorA(layer: NotebookLayer, x: ArrayLike<number>): Float64Array {
  const patches = patchMatrix(x, layer.patch);
  const rows = layer.patchRows;
  const extended = new Float64Array(rows * layer.aSide);
  for (let r = 0; r < rows; r++) {
    extended.set(patches.subarray(r * layer.aDim, (r + 1) * layer.aDim), r * layer.aSide);
    if (layer.hasBias) extended[r * layer.aSide + layer.aDim] = 1;
  }
  return gram(extended, rows, layer.aSide, 1 / (layer.patch.batch * layer.spatial * layer.spatial));
}

/** G_new = B·T · Σ g gᵀ over the output gradient's (b, t) rows (the notebook's batch_averaged scaling). */
export function notebookFactorG(layer: NotebookLayer, g: ArrayLike<number>): Float64Array {
  const { batch } = layer.patch;
  return gram(outputRows(g, batch, layer.bDim, layer.spatial), batch * layer.spatial, layer.bDim, batch * layer.spatial);
}

/** V = Q_g [(Q_gᵀ P Q_a) ⊘ (d_g d_aᵀ + λ)] Q_aᵀ for P (bDim x aSide). */
export function notebookNaturalGradient(P: ArrayLike<number>, a: Eigen, g: Eigen, rows: number, cols: number, damping: number): Float64Array {
  const transpose = (m: Float64Array, n: number) => Float64Array.from({ length: n * n }, (_, e) => m[(e % n) * n + Math.floor(e / n)]);
  const middle = matmul(matmul(transpose(g.vectors, rows), P, rows, rows, cols), a.vectors, rows, cols, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) middle[i * cols + j] /= g.values[i] * a.values[j] + damping;
  return matmul(matmul(g.vectors, middle, rows, rows, cols), transpose(a.vectors, cols), rows, cols, cols);
}

export interface ReferenceNotebookKfac extends ReferenceOptimizer {
  readonly config: KfacConfig;
  readonly layers: readonly NotebookLayer[];
  /** Each layer's running factors A and G. */
  readonly factors: ReadonlyMap<string, { A: Float64Array; G: Float64Array }>;
  /** Each layer's eigendecompositions from the last inverse step. */
  readonly eigen: ReadonlyMap<string, { A: Eigen; G: Eigen }>;
  /** ν of the last step. */
  readonly lastKlScale: number;
}

/** The ranges of the settings the notebook variant reads (the schema enforces them too). */
export function checkNotebookConfig(config: KfacConfig): void {
  checkKfacConfig(config);
  if (config.variant !== 'notebook') throw new Error(`K-FAC: the notebook optimizer runs variant notebook, got "${config.variant}"`);
  if (!Number.isInteger(config.inverse_interval) || config.inverse_interval < 1) {
    throw new Error(`K-FAC: inverse_interval must be a whole number > 0, got ${config.inverse_interval}`);
  }
  if (!(config.stat_decay >= 0 && config.stat_decay < 1)) throw new Error(`K-FAC: stat_decay must be in [0, 1), got ${config.stat_decay}`);
  if (!(config.kl_clip > 0) || !Number.isFinite(config.kl_clip)) throw new Error(`K-FAC: kl_clip must be > 0, got ${config.kl_clip}`);
}

export function createReferenceNotebookKfac(model: ReferenceModel, config: KfacConfig): ReferenceNotebookKfac {
  checkNotebookConfig(config);
  const { graph } = model;
  const layers = notebookLayers(graph, model.shapes, model.batch);
  const nodes = new Map(graph.nodes.flatMap((node) => (node.op === 'linear' || node.op === 'conv2d' ? [[node.name, node] as const] : [])));
  const identity = (n: number) => Float64Array.from({ length: n * n }, (_, e) => (e % (n + 1) === 0 ? 1 : 0));
  const factors = new Map(layers.map((layer) => [layer.name, { A: identity(layer.aSide), G: identity(layer.bDim) }]));
  const eigen = new Map<string, { A: Eigen; G: Eigen }>();
  const sgd = createReferenceSgd(model, { type: 'sgd', lr: config.lr, momentum: config.momentum, dampening: 0, nesterov: false, weight_decay: 0 });
  const decay = config.stat_decay;
  let lastKlScale = NaN;

  const average = (M: Float64Array, update: Float64Array) => {
    for (let i = 0; i < M.length; i++) M[i] = decay * M[i] + (1 - decay) * update[i];
  };

  return {
    config,
    layers,
    factors,
    eigen,
    get lastKlScale() {
      return lastKlScale;
    },
    step(step: number, lr: number): void {
      checkStep('K-FAC', step);
      if (step % config.interval === 0) {
        for (const layer of layers) {
          const node = nodes.get(layer.name)!;
          const state = factors.get(layer.name)!;
          average(state.A, notebookFactorA(layer, model.activations.get(node.input)!));
          average(state.G, notebookFactorG(layer, model.activationGrads.get(node.output)!));
        }
      }
      if (step % config.inverse_interval === 0 || eigen.size < layers.length) {
        for (const layer of layers) {
          const { A, G } = factors.get(layer.name)!;
          eigen.set(layer.name, { A: jacobiEigen(A, layer.aSide), G: jacobiEigen(G, layer.bDim) });
        }
      }
      const naturals = layers.map((layer) => {
        const weight = model.grads.get(`${layer.name}.weight`)!;
        const bias = layer.hasBias ? model.grads.get(`${layer.name}.bias`)! : null;
        const P = new Float64Array(layer.bDim * layer.aSide);
        for (let r = 0; r < layer.bDim; r++) {
          P.set(weight.subarray(r * layer.aDim, (r + 1) * layer.aDim), r * layer.aSide);
          if (bias) P[r * layer.aSide + layer.aDim] = bias[r];
        }
        const { A, G } = eigen.get(layer.name)!;
        return { layer, weight, bias, P, V: notebookNaturalGradient(P, A, G, layer.bDim, layer.aSide, config.damping) };
      });
      let vg = 0;
      for (const { P, V } of naturals) for (let i = 0; i < V.length; i++) vg += V[i] * P[i];
      const nu = klScale(vg, lr, config.kl_clip);
      lastKlScale = nu;
      for (const { layer, weight, bias, V } of naturals) {
        for (let r = 0; r < layer.bDim; r++) {
          for (let c = 0; c < layer.aDim; c++) weight[r * layer.aDim + c] = nu * V[r * layer.aSide + c];
          if (bias) bias[r] = nu * V[r * layer.aSide + layer.aDim];
        }
      }
      if (config.weight_decay !== 0 && step >= WEIGHT_DECAY_DELAY_INTERVALS * config.interval) {
        for (const [name, grad] of model.grads) {
          const theta = model.params.get(name)!;
          for (let i = 0; i < grad.length; i++) grad[i] += config.weight_decay * theta[i];
        }
      }
      sgd.step(step, lr);
    },
  };
}
