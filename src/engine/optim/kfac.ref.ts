// K-FAC as AdaFisher's CIFAR experiments ran it (ASDL's KfacGradientMaker, Monte-Carlo Fisher)
// in float64 on a ReferenceModel, the twin of kfac.ts, in the same order:
//   curvature step (step % interval == 0, and the first step taken): one label per prediction
//     row drawn from softmax(logits) with Philox (key (seed, stream), counter step), their
//     gradient pass into scratch gradients (the layer tensors then hold its values), the
//     factors A and B of every Conv2d and Linear layer, the damping split, A⁻¹ and B⁻¹;
//   every step: weight gradient <- B⁻¹ G A⁻¹, bias gradient <- B⁻¹ g, other gradients as
//     they are; then clip_grad_norm_ over all gradients and SGD with momentum and coupled
//     weight decay (clipped-sgd.ref.ts).

import type { OptimizerConfig } from '../config/run-config';
import { sampleLabels } from '../kernels/sample-labels/sample-labels.ref';
import type { ReferenceModel } from '../nn/reference-model';
import { createReferenceClippedSgd } from './clipped-sgd.ref';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import {
  choleskyInverse,
  dampingSplit,
  factorA,
  factorB,
  kfacLayers,
  preconditionBias,
  preconditionWeight,
  rowGram,
  trace,
  woodburyInverse,
  type KfacLayer,
} from './kfac-factors.ref';
import { DEFAULT_RANDOMNESS, type OptimizerRandomness, type ReferenceOptimizer } from './optimizer';
import { checkStep } from './sgd.ref';

export type KfacConfig = Extract<OptimizerConfig, { type: 'kfac' }>;

/** The ranges the schema enforces, checked again for callers that build a config in code. */
export function checkKfacConfig(config: KfacConfig): void {
  if (!(config.damping > 0) || !Number.isFinite(config.damping)) throw new Error(`K-FAC: damping must be > 0, got ${config.damping}`);
  if (!Number.isInteger(config.interval) || config.interval < 1) throw new Error(`K-FAC: interval must be a whole number > 0, got ${config.interval}`);
  if (!(config.clip > 0) || !Number.isFinite(config.clip)) throw new Error(`K-FAC: clip must be > 0, got ${config.clip}`);
}

/** One layer's state after its last curvature step. */
export interface ReferenceKfacFactors {
  readonly A: Float64Array | null;
  readonly B: Float64Array;
  readonly lambdaA: number;
  readonly lambdaB: number;
  readonly aInverse: Float64Array;
  readonly bInverse: Float64Array;
}

export interface ReferenceKfac extends ReferenceOptimizer {
  readonly config: KfacConfig;
  readonly layers: readonly KfacLayer[];
  /** Each layer's factors, dampings and inverses from the last curvature step. */
  readonly factors: ReadonlyMap<string, ReferenceKfacFactors>;
  /** The labels drawn at the last curvature step. */
  readonly sampledLabels: Uint32Array | null;
}

export function createReferenceKfac(
  model: ReferenceModel,
  config: KfacConfig,
  randomness: OptimizerRandomness = DEFAULT_RANDOMNESS,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): ReferenceKfac {
  checkKfacConfig(config);
  if (config.variant !== 'asdl') throw new Error(`K-FAC: createReferenceKfac runs the asdl variant, got "${config.variant}"`);
  const { graph } = model;
  const layers = kfacLayers(graph, model.shapes, model.batch, model.rows);
  const nodes = new Map(graph.nodes.flatMap((node) => (node.op === 'linear' || node.op === 'conv2d' ? [[node.name, node] as const] : [])));
  const scratch = model.createGradients();
  const tail = createReferenceClippedSgd(model, config, 'K-FAC', groups);
  const factors = new Map<string, ReferenceKfacFactors>();
  let sampledLabels: Uint32Array | null = null;

  const curvature = (step: number) => {
    const logits = model.activations.get(graph.output)!;
    sampledLabels = sampleLabels(logits, model.batchLabels, model.rows, graph.classes, randomness.seed, randomness.stream, step);
    model.gradientPass({ grads: scratch, labels: sampledLabels, forward: false });
    for (const layer of layers) {
      const node = nodes.get(layer.name)!;
      const x = model.activations.get(node.input)!;
      const B = factorB(layer, model.activationGrads.get(node.output)!);
      if (layer.woodbury) {
        // tr A = tr(s·XXᵀ): the Woodbury route never forms A.
        const traceA = trace(rowGram(x, layer.patchRows, layer.aDim, layer.aScale), layer.patchRows);
        const { lambdaA, lambdaB } = dampingSplit(traceA, layer.aDim, trace(B, layer.bDim), layer.bDim, config.damping);
        const aInverse = woodburyInverse(x, layer.patchRows, layer.aDim, layer.aScale, lambdaA);
        factors.set(layer.name, { A: null, B, lambdaA, lambdaB, aInverse, bInverse: choleskyInverse(B, layer.bDim, lambdaB) });
      } else {
        const A = factorA(layer, x);
        const { lambdaA, lambdaB } = dampingSplit(trace(A, layer.aDim), layer.aDim, trace(B, layer.bDim), layer.bDim, config.damping);
        factors.set(layer.name, {
          A,
          B,
          lambdaA,
          lambdaB,
          aInverse: choleskyInverse(A, layer.aDim, lambdaA),
          bInverse: choleskyInverse(B, layer.bDim, lambdaB),
        });
      }
    }
  };

  const precondition = () => {
    for (const layer of layers) {
      const { aInverse, bInverse } = factors.get(layer.name)!;
      const weight = model.grads.get(`${layer.name}.weight`)!;
      weight.set(preconditionWeight(bInverse, weight, aInverse, layer.bDim, layer.aDim));
      if (layer.hasBias) {
        const bias = model.grads.get(`${layer.name}.bias`)!;
        bias.set(preconditionBias(bInverse, bias, layer.bDim));
      }
    }
  };

  return {
    config,
    layers,
    factors,
    get sampledLabels() {
      return sampledLabels;
    },
    step(step: number, lr: number): void {
      checkStep('K-FAC', step);
      if (step % config.interval === 0 || factors.size < layers.length) curvature(step);
      precondition();
      tail.step(step, lr);
    },
  };
}
