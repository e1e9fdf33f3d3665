// Helpers for kernel tests in the browser: one device per test file, tensors filled from
// float64 reference data, and a plan run to completion before reading back.

import { createGpuContext, type GpuContext } from '../gpu/context';
import { ComputePlan } from '../gpu/compute-plan';
import type { GpuDtype, GpuTensor } from '../gpu/tensor';
import { readTensor, writeTensor } from '../gpu/transfer';

let shared: Promise<GpuContext> | null = null;

export function testContext(): Promise<GpuContext> {
  shared ??= createGpuContext({
    onUncapturedError: (message) => {
      throw new Error(message);
    },
  });
  return shared;
}

export function upload(
  ctx: GpuContext,
  label: string,
  values: ArrayLike<number>,
  shape: readonly number[] = [values.length],
  dtype: GpuDtype = 'f32',
): GpuTensor {
  const tensor = ctx.pool.tensor(label, shape, 'test', dtype);
  writeTensor(ctx, tensor, values);
  return tensor;
}

export function zeros(ctx: GpuContext, label: string, shape: readonly number[]): GpuTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return upload(ctx, label, new Float32Array(size), shape);
}

/** Builds a plan with `record`, runs it once, and waits for the GPU. */
export async function runPlan(ctx: GpuContext, label: string, record: (plan: ComputePlan) => void): Promise<ComputePlan> {
  const plan = new ComputePlan(ctx, label, 'test');
  record(plan);
  await plan.compile();
  plan.run();
  await ctx.device.queue.onSubmittedWorkDone();
  return plan;
}

export async function download(ctx: GpuContext, tensor: GpuTensor): Promise<Float32Array> {
  return readTensor(ctx, tensor);
}

/** Rounds float64 reference inputs to float32, so both sides start from the same values. */
export function asFloat32Values(values: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}
