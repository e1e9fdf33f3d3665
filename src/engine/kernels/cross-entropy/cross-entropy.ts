import softmaxShader from '../../../../shaders/cross-entropy-softmax.wgsl?raw';
import metricsShader from '../../../../shaders/cross-entropy-metrics.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuDtype, GpuTensor } from '../../gpu/tensor';

/** Invocations per row: the power of two in [32, 256] nearest above K, so a K = 10 row does not idle 246 lanes. */
function rowWorkgroupSize(K: number): number {
  let size = 32;
  while (size < K && size < 256) size *= 2;
  return size;
}

const METRICS_WORKGROUP = 256;

function checkShape(op: string, B: number, K: number): void {
  if (!(Number.isInteger(B) && B >= 1 && Number.isInteger(K) && K >= 1)) {
    throw new Error(`${op}: B and K must be positive integers, got B=${B}, K=${K}`);
  }
}

function checkTensor(op: string, name: string, tensor: GpuTensor, size: number, dtype: GpuDtype): void {
  if (tensor.size !== size) throw new Error(`${op}: ${name} "${tensor.label}" has ${tensor.size} elements, expected ${size}`);
  if (tensor.dtype !== dtype) throw new Error(`${op}: ${name} "${tensor.label}" has dtype ${tensor.dtype}, expected ${dtype}`);
}

/** WebGPU rejects a dispatch that binds one buffer both read-only and writable. */
function checkNoAliasing(op: string, outputs: readonly GpuTensor[], inputs: readonly GpuTensor[]): void {
  for (const output of outputs) {
    for (const input of inputs) {
      if (output.buffer === input.buffer) {
        throw new Error(`${op}: output "${output.label}" shares a buffer with input "${input.label}"; one dispatch cannot both read and write a buffer`);
      }
    }
  }
}

/**
 * One dispatch, one workgroup per row: losses[b] = logsumexp(logits_b) - logits_b[label_b]
 * and dLogits = (softmax(logits) - onehot(labels)) / B, the gradient of the mean loss. Both
 * are overwritten. Labels must be < K (the data loader checks); the shader clamps them.
 */
export function softmaxCrossEntropy(plan: ComputePlan, losses: GpuTensor, dLogits: GpuTensor, logits: GpuTensor, labels: GpuTensor, B: number, K: number): void {
  const op = 'softmax_cross_entropy';
  checkShape(op, B, K);
  checkTensor(op, 'losses', losses, B, 'f32');
  checkTensor(op, 'dLogits', dLogits, B * K, 'f32');
  checkTensor(op, 'logits', logits, B * K, 'f32');
  checkTensor(op, 'labels', labels, B, 'u32');
  checkNoAliasing(op, [losses, dLogits], [logits, labels]);
  plan.add({
    op,
    shader: softmaxShader,
    constants: { WG: rowWorkgroupSize(K) },
    uniforms: [u32(B), u32(K)],
    bindings: [logits, labels, losses, dLogits],
    workgroups: gridFor(B, 1),
  });
}

/** One single-workgroup dispatch: metrics = [mean of losses, rows whose arg-max is the label]. */
export function crossEntropyMetrics(plan: ComputePlan, metrics: GpuTensor, losses: GpuTensor, logits: GpuTensor, labels: GpuTensor, B: number, K: number): void {
  const op = 'cross_entropy_metrics';
  checkShape(op, B, K);
  checkTensor(op, 'metrics', metrics, 2, 'f32');
  checkTensor(op, 'losses', losses, B, 'f32');
  checkTensor(op, 'logits', logits, B * K, 'f32');
  checkTensor(op, 'labels', labels, B, 'u32');
  checkNoAliasing(op, [metrics], [losses, logits, labels]);
  plan.add({
    op,
    shader: metricsShader,
    constants: { WG: METRICS_WORKGROUP },
    uniforms: [u32(B), u32(K)],
    bindings: [losses, logits, labels, metrics],
    workgroups: [1],
  });
}
