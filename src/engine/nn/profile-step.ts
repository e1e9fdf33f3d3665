// One training step, run dispatch by dispatch with a GPU time for each (StepRecorder) instead
// of in one pass: the same dispatches in the same order, so the step computes exactly what an
// ordinary one does, and its metrics are read back at the end.

import type { StepPhase } from '../gpu/compute-plan';
import { summariseStep, type StepProfile } from '../gpu/step-profile';
import { StepRecorder, type ProfileMethod } from '../gpu/step-recorder';
import type { GpuModel, StepMetrics } from './gpu-model';

/** A part of the step encoded after the model's backward (an optimizer's update, an inspector's measurement), and the phase its untagged dispatches count under. */
export interface StepPart {
  readonly phase: StepPhase;
  readonly encode: (pass: GPUComputePassEncoder) => void;
}

export interface ProfiledStep {
  readonly profile: StepProfile;
  readonly metrics: StepMetrics;
}

/**
 * The model's training step followed by `after`, as `model.trainStep` would submit it, each
 * dispatch timed; `stage` copies more values to read back after the step (an optimizer's status).
 */
export async function profileTrainStep(
  model: GpuModel,
  after: readonly StepPart[],
  options: { method?: ProfileMethod; stage?: (encoder: GPUCommandEncoder) => void } = {},
): Promise<ProfiledStep> {
  const { device } = model.ctx;
  const recorder = new StepRecorder();
  model.encodeTrainStep(recorder.pass);
  for (const part of after) {
    recorder.phase = part.phase;
    part.encode(recorder.pass);
  }
  const timing = await recorder.run(device, options.method);
  const encoder = device.createCommandEncoder({ label: `${model.owner}:profile-readback` });
  model.copyMetrics(encoder);
  options.stage?.(encoder);
  device.queue.submit([encoder.finish()]);
  return { profile: summariseStep(timing), metrics: await model.readStagedMetrics() };
}
