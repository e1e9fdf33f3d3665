// Monte-Carlo labels on the GPU: y_b ~ Categorical(softmax(logits_b)) per prediction row, by the
// inverse CDF of one Philox uniform per row (K-FAC's sampled-label Fisher). The float64 twin,
// sample-labels.ref.ts, draws the same uniforms.
import sampleShader from '../../../../shaders/sample-labels/sample.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { IGNORE_TARGET } from '../cross-entropy/cross-entropy-labels';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { withPhilox } from '../philox/philox';
import { reductionWorkgroupFor } from '../workgroups';

/**
 * out[b] = the smallest k with u_b · S_b < Σ_{j ≤ k} exp(logits[b, j] − max_b), S_b the full
 * sum, u_b = philoxUniform(B, seed, stream, step[0])[b]; a row whose `labels` entry is
 * IGNORE_TARGET (an unscored token) keeps IGNORE_TARGET. `step` is a u32 tensor of one element
 * written before each submit (the optimizer step), so one recorded plan draws anew every step.
 * One dispatch, one workgroup per row.
 */
export function sampleLabels(
  plan: ComputePlan,
  out: GpuTensor,
  logits: GpuTensor,
  labels: GpuTensor,
  step: GpuTensor,
  B: number,
  K: number,
  seed: number,
  stream: number,
): void {
  const op = 'sample_labels';
  expectPositiveIntegers(op, { B, K });
  expectSizes(op, { out, labels }, B, 'B');
  expectSizes(op, { logits }, B * K, `B*K = ${B}*${K}`);
  expectSizes(op, { step }, 1);
  expectDtypes(op, { logits }, 'f32');
  expectDtypes(op, { out, labels, step }, 'u32');
  expectNoAliasing(op, { out }, { logits, labels, step });
  for (const [name, value] of [
    ['seed', seed],
    ['stream', stream],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`${op}: ${name} must be a whole number in 0..2^32-1, got ${value}`);
  }
  plan.add({
    op,
    shader: withPhilox(sampleShader),
    constants: { WG: reductionWorkgroupFor(K), IGNORE_TARGET },
    uniforms: [u32(B), u32(K), u32(seed), u32(stream)],
    bindings: [logits, labels, step, out],
    workgroups: gridFor(B, 1),
  });
}
