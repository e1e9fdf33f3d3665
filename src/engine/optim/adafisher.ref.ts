// AdaFisher and AdaFisherW in float64 on a ReferenceModel: factors measured from the layer
// inputs and output gradients its last backward left behind, every `tcov` steps, then the
// preconditioned momentum update of every trainable parameter, with its parameter group's lr
// (lrScale × the run's lr) and weight decay.

import type { OptimizerConfig } from '../config/run-config';
import type { ReferenceModel } from '../nn/reference-model';
import { trainedLayerNodes } from '../nn/parameters';
import {
  adaFisherUpdate,
  averageWeights,
  layerGeometry,
  measureLayer,
  minMaxNormalize,
  parameterPreconditioner,
  parameterPreconditioners,
  preconditionerStats,
  runningAverage,
  type LayerGeometry,
} from './adafisher-factors.ref';
import type { PreconditionerStats, ReferenceOptimizer } from './optimizer';
import { NO_PARAMETER_GROUPS, tensorHyperparameters, type ResolvedParameterGroups } from './param-groups';

export type AdaFisherConfig = Extract<OptimizerConfig, { type: 'adafisher' | 'adafisherw' }>;

export interface ReferenceAdaFisher extends ReferenceOptimizer {
  readonly config: AdaFisherConfig;
  /** Each layer's running factors H_D and S_D (copies). */
  factors(): Map<string, { H: Float64Array; S: Float64Array }>;
  diagnostics(): PreconditionerStats[];
}

interface ReferenceLayer {
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly geometry: LayerGeometry;
  readonly H: Float64Array;
  readonly S: Float64Array;
}

export function createReferenceAdaFisher(
  model: ReferenceModel,
  config: AdaFisherConfig,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): ReferenceAdaFisher {
  const nodes = trainedLayerNodes(model.graph);
  const layers = new Map<string, ReferenceLayer>();
  for (const node of nodes) {
    const geometry = layerGeometry(node, model.shapes.get(node.input)!);
    layers.set(node.name, {
      name: node.name,
      input: node.input,
      output: node.output,
      geometry,
      H: new Float64Array(geometry.hLength).fill(1),
      S: new Float64Array(geometry.sLength).fill(1),
    });
  }
  const mapping = parameterPreconditioners(model.specs, nodes);
  const momentum = new Map<string, Float64Array>();
  for (const name of mapping.keys()) momentum.set(name, new Float64Array(model.params.get(name)!.length));
  const { keep, add } = averageWeights(config);

  const measure = () => {
    for (const layer of layers.values()) {
      const { h, s } = measureLayer(layer.geometry, model.activations.get(layer.input)!, model.activationGrads.get(layer.output)!);
      runningAverage(layer.H, minMaxNormalize(h), keep, add);
      runningAverage(layer.S, minMaxNormalize(s), keep, add);
    }
  };

  return {
    config,
    step(step: number, lr: number) {
      if (step % config.tcov === 0) measure();
      for (const [name, entry] of mapping) {
        const theta = model.params.get(name)!;
        const layer = entry.kind === 'kronecker' ? layers.get(entry.layer)! : null;
        const F = parameterPreconditioner(entry, theta.length, layer?.S ?? null, layer?.H ?? null, config.damping);
        const { lrScale, weightDecay } = tensorHyperparameters(groups, name, config.weight_decay);
        adaFisherUpdate(theta, model.grads.get(name)!, momentum.get(name)!, F, {
          lr: lr * lrScale,
          beta: config.beta,
          weightDecay,
          decoupled: config.type === 'adafisherw',
          t: step + 1,
        });
      }
    },
    factors() {
      return new Map([...layers.values()].map((layer) => [layer.name, { H: layer.H.slice(), S: layer.S.slice() }]));
    },
    diagnostics() {
      return [...layers.values()].map((layer) => preconditionerStats(layer.name, layer.S, layer.H, config.damping));
    },
  };
}
