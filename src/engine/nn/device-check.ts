// One forward and backward pass of a preset on a seeded random batch, on the GPU and in the
// float64 reference, so a user (and the end-to-end test) can see that this device computes
// what the reference computes before trusting it with a training run.

import { compareArrays } from '../compare';
import type { GpuContext } from '../gpu/context';
import { createRng } from '../random';
import { GpuModel } from './gpu-model';
import type { ModelGraph } from './graph';
import { initialParameters } from './parameters';
import { modelPreset } from './presets';
import { ReferenceModel } from './reference-model';

export interface GradientReport {
  name: string;
  shape: readonly number[];
  /** L2 norm of the GPU gradient. */
  norm: number;
  /** max |gpu - ref| / max |ref|. */
  relativeError: number;
}

export interface DeviceCheckResult {
  preset: string;
  batch: number;
  gpuLoss: number;
  referenceLoss: number;
  gpuMs: number;
  dispatches: number;
  gradients: GradientReport[];
  /** Worst relative gradient error over all parameters. */
  worstRelativeError: number;
}

/**
 * How close the GPU must come to the float64 reference for the device to pass: every
 * gradient within `gradient` of its scale (max |gpu - ref| / max |ref|), and the loss within
 * `loss` of the reference loss (relative, for losses above 1). float32 sums over a batch land
 * around 1e-5..1e-4; an indexing or synchronisation bug lands far above.
 */
export const DEVICE_CHECK_TOLERANCE = { gradient: 1e-3, loss: 1e-4 } as const;

/** Whether the device computed what the reference computes, within DEVICE_CHECK_TOLERANCE. */
export function deviceCheckPassed(result: Pick<DeviceCheckResult, 'worstRelativeError' | 'gpuLoss' | 'referenceLoss'>): boolean {
  return (
    result.worstRelativeError < DEVICE_CHECK_TOLERANCE.gradient &&
    Math.abs(result.gpuLoss - result.referenceLoss) < DEVICE_CHECK_TOLERANCE.loss * Math.max(1, result.referenceLoss)
  );
}

export function randomBatch(seed: number, batch: number, inputShape: readonly number[], classes: number): { images: Float32Array; labels: Uint32Array } {
  const rng = createRng(seed);
  const images = new Float32Array(batch * inputShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = new Uint32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = rng.int(classes);
  return { images, labels };
}

/**
 * A seeded batch for any model: normal images and uniform labels for a classifier; uniform
 * token ids and next-token targets (B*T) for a language model.
 */
export function randomModelBatch(seed: number, graph: ModelGraph, batch: number): { inputs: Float32Array | Uint32Array; labels: Uint32Array } {
  if (graph.task !== 'language-modeling') {
    const { images, labels } = randomBatch(seed, batch, graph.inputShape, graph.classes);
    return { inputs: images, labels };
  }
  const rng = createRng(seed);
  const rows = batch * graph.inputShape[0];
  const inputs = new Uint32Array(rows);
  const labels = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) inputs[i] = rng.int(graph.classes);
  for (let i = 0; i < rows; i++) labels[i] = rng.int(graph.classes);
  return { inputs, labels };
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

function l2Norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}

export async function runDeviceCheck(ctx: GpuContext, presetName: string, batch: number, seed: number): Promise<DeviceCheckResult> {
  const graph = modelPreset(presetName);
  const initial = initialParameters(graph, seed);
  const { inputs: images, labels } = randomModelBatch(seed + 1, graph, batch);
  const model = await GpuModel.create(ctx, graph, batch, { owner: `device-check:${presetName}`, initial });
  try {
    model.writeBatch(images, labels);
    const started = performance.now();
    const metrics = (await model.trainStep({ readMetrics: true }))!;
    const gpuMs = performance.now() - started;
    const gpuGrads = await model.readGradients();

    const reference = new ReferenceModel(graph, batch, initial);
    const { loss: referenceLoss } = reference.forward(images, labels, true);
    reference.backward();

    const gradients = model.specs
      .filter((spec) => spec.trainable)
      .map((spec): GradientReport => {
        const gpu = gpuGrads.get(spec.name)!;
        const ref = reference.grads.get(spec.name)!;
        const scale = maxAbs(ref) || 1;
        const { maxAbsDiff } = compareArrays(gpu, ref, { atol: 0, rtol: 0 });
        return { name: spec.name, shape: spec.shape, norm: l2Norm(gpu), relativeError: maxAbsDiff / scale };
      });
    return {
      preset: presetName,
      batch,
      gpuLoss: metrics.loss,
      referenceLoss,
      gpuMs,
      dispatches: model.dispatchesPerTrainStep,
      gradients,
      worstRelativeError: Math.max(...gradients.map((g) => g.relativeError)),
    };
  } finally {
    model.destroy();
  }
}
