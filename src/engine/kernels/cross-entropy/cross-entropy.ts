import argMaxShader from '../../../../shaders/cross-entropy/argmax.wgsl?raw';
import softmaxShader from '../../../../shaders/cross-entropy/softmax.wgsl?raw';
import totalsShader from '../../../../shaders/cross-entropy/totals.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';

import { REDUCTION_WORKGROUP, reductionWorkgroupFor } from '../workgroups';
import { IGNORE_TARGET } from './cross-entropy-labels';

/**
 * One dispatch, one workgroup per row (a 2-D grid past 65535 rows): losses[b] =
 * logsumexp(logits_b) - logits_b[label_b] and dLogits = (softmax(logits) - onehot(labels)) / B,
 * the gradient of the mean loss. Both are overwritten. A row labelled IGNORE_TARGET (from
 * cross-entropy-labels) gets loss 0 and a zero gradient row; the mean still divides by B, which
 * equals PyTorch's mean over non-ignored tokens because training batches never contain ignored
 * targets. Other labels must be < K (the data loader checks); the shader clamps them.
 */
export function softmaxCrossEntropy(
  plan: ComputePlan,
  losses: GpuTensor,
  dLogits: GpuTensor,
  logits: GpuTensor,
  labels: GpuTensor,
  B: number,
  K: number,
): void {
  const op = 'softmax_cross_entropy';
  expectPositiveIntegers(op, { B, K });
  expectSizes(op, { losses, labels }, B, 'B');
  expectSizes(op, { dLogits, logits }, B * K, `B*K = ${B}*${K}`);
  expectDtypes(op, { losses, dLogits, logits }, 'f32');
  expectDtypes(op, { labels }, 'u32');
  expectNoAliasing(op, { losses, dLogits }, { logits, labels });
  plan.add({
    op,
    shader: softmaxShader,
    constants: { WG: reductionWorkgroupFor(K), IGNORE_TARGET },
    uniforms: [u32(B), u32(K)],
    bindings: [logits, labels, losses, dLogits],
    workgroups: gridFor(B, 1),
  });
}

/**
 * Loss and accuracy totals over the rows that count: the first validRows[0] (capped at B; the
 * rest is padding) whose label is not IGNORE_TARGET. totals (+)= [sum of their losses, how many
 * have the label as arg-max (the first maximum on ties), how many there are], so totals[0] /
 * totals[2] is the mean loss over counted rows. It adds into an evaluation's running totals by
 * default; `accumulate: false` overwrites them with this batch's, as a training step's metrics.
 *
 * Two dispatches: each counted row's arg-max, one workgroup per row (a 2-D grid past 65535
 * rows), into a B-element u32 scratch tensor; then one workgroup sums over rows. The scratch is
 * taken from the pool under the plan's owner when the call is recorded and is returned with the
 * owner's other buffers (`pool.releaseOwner`).
 */
export function crossEntropyTotals(
  plan: ComputePlan,
  totals: GpuTensor,
  losses: GpuTensor,
  logits: GpuTensor,
  labels: GpuTensor,
  validRows: GpuTensor,
  B: number,
  K: number,
  options: { accumulate?: boolean } = {},
): void {
  const op = 'cross_entropy_totals';
  expectPositiveIntegers(op, { B, K });
  expectSizes(op, { totals }, 3);
  expectSizes(op, { validRows }, 1);
  expectSizes(op, { losses, labels }, B, 'B');
  expectSizes(op, { logits }, B * K, `B*K = ${B}*${K}`);
  expectDtypes(op, { totals, losses, logits }, 'f32');
  expectDtypes(op, { labels, validRows }, 'u32');
  expectNoAliasing(op, { totals }, { losses, logits, labels, validRows });
  const predictions = plan.ctx.pool.tensor(`${plan.owner}:${op}:predictions`, [B], plan.owner, 'u32');
  plan.add({
    op: `${op}_argmax`,
    shader: argMaxShader,
    constants: { WG: reductionWorkgroupFor(K), IGNORE_TARGET },
    uniforms: [u32(B), u32(K)],
    bindings: [logits, labels, validRows, predictions],
    workgroups: gridFor(B, 1),
  });
  plan.add({
    op,
    shader: totalsShader,
    constants: { WG: REDUCTION_WORKGROUP, ACCUMULATE: (options.accumulate ?? true) ? 1 : 0, IGNORE_TARGET },
    uniforms: [u32(B)],
    bindings: [losses, labels, validRows, predictions, totals],
    workgroups: [1],
  });
}
