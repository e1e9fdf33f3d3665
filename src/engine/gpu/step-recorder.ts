// Collects the dispatches of a training step, in order, in place of its compute pass, and
// runs them with a GPU time for each: one pass per dispatch with timestamp queries when the
// device has `timestamp-query`, else one submit per dispatch timed to onSubmittedWorkDone.
// Only a profiled step makes one; training never does, so it costs nothing otherwise.

import type { PreparedDispatch, StepPhase } from './compute-plan';
import { passMs } from './pass-timer';

/** How a profile timed its dispatches. */
export type ProfileMethod = 'timestamps' | 'op-by-op';

export interface TimedDispatch {
  readonly op: string;
  /** '' for a dispatch that spans the whole model (an update of every parameter at once). */
  readonly layer: string;
  readonly phase: StepPhase;
  readonly ms: number;
}

export interface StepTiming {
  readonly method: ProfileMethod;
  readonly dispatches: TimedDispatch[];
  /** Op by op: the median time of an empty submit waited for, which each dispatch's time includes; null with timestamps. */
  readonly submitOverheadMs: number | null;
}

interface Collected {
  readonly dispatch: PreparedDispatch;
  readonly phase: StepPhase;
}

/** The spec's fixed bound on a query set's size; each dispatch takes two queries. */
const MAX_QUERIES = 4096;
const EMPTY_SUBMITS = 5;

export function hasTimestampQuery(device: GPUDevice): boolean {
  return device.features.has('timestamp-query');
}

export class StepRecorder {
  /** The phase of dispatches whose plan did not tag one: set by whoever encodes each part of the step. */
  phase: StepPhase = 'forward';
  private readonly collected: Collected[] = [];

  /** Stands in for the step's compute pass: only ComputePlan.encode may write into it. */
  get pass(): GPUComputePassEncoder {
    return this as unknown as GPUComputePassEncoder;
  }

  get dispatchCount(): number {
    return this.collected.length;
  }

  collect(dispatches: readonly PreparedDispatch[]): void {
    for (const dispatch of dispatches) this.collected.push({ dispatch, phase: dispatch.tag.phase ?? this.phase });
  }

  /**
   * Runs every collected dispatch once, in order, and times each. Each dispatch is its own
   * usage scope in the step's single pass too, so splitting them into passes or submits
   * changes no value.
   */
  async run(device: GPUDevice, method: ProfileMethod = hasTimestampQuery(device) ? 'timestamps' : 'op-by-op'): Promise<StepTiming> {
    // Earlier work must not count towards the first dispatch.
    await device.queue.onSubmittedWorkDone();
    if (method === 'timestamps') {
      if (!hasTimestampQuery(device)) throw new Error('Profiling with timestamps needs a device created with the timestamp-query feature');
      return { method, dispatches: await this.runWithTimestamps(device), submitOverheadMs: null };
    }
    const submitOverheadMs = await emptySubmitMs(device);
    const dispatches: TimedDispatch[] = [];
    for (const { dispatch, phase } of this.collected) {
      const started = performance.now();
      const encoder = device.createCommandEncoder({ label: `profile:${dispatch.op}` });
      const pass = encoder.beginComputePass({ label: `profile:${dispatch.op}` });
      encodeOne(pass, dispatch);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      dispatches.push(timed(dispatch, phase, performance.now() - started));
    }
    return { method, dispatches, submitOverheadMs };
  }

  private async runWithTimestamps(device: GPUDevice): Promise<TimedDispatch[]> {
    const perSet = MAX_QUERIES / 2;
    const encoder = device.createCommandEncoder({ label: 'profile:timestamps' });
    const sets: GPUQuerySet[] = [];
    const resolve: GPUBuffer[] = [];
    const readback: GPUBuffer[] = [];
    try {
      for (let first = 0; first < this.collected.length; first += perSet) {
        const chunk = this.collected.slice(first, first + perSet);
        const count = chunk.length * 2;
        const querySet = device.createQuerySet({ label: 'profile:timestamps', type: 'timestamp', count });
        sets.push(querySet);
        chunk.forEach(({ dispatch }, i) => {
          const pass = encoder.beginComputePass({
            label: `profile:${dispatch.op}`,
            timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
          });
          encodeOne(pass, dispatch);
          pass.end();
        });
        const resolved = device.createBuffer({ label: 'profile:resolve', size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
        const staging = device.createBuffer({ label: 'profile:readback', size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        resolve.push(resolved);
        readback.push(staging);
        encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
        encoder.copyBufferToBuffer(resolved, 0, staging, 0, count * 8);
      }
      device.queue.submit([encoder.finish()]);
      const dispatches: TimedDispatch[] = [];
      for (const [index, staging] of readback.entries()) {
        await staging.mapAsync(GPUMapMode.READ);
        const ticks = new BigUint64Array(staging.getMappedRange().slice(0));
        staging.unmap();
        this.collected
          .slice(index * perSet, (index + 1) * perSet)
          .forEach(({ dispatch, phase }, i) => dispatches.push(timed(dispatch, phase, passMs(ticks, i))));
      }
      return dispatches;
    } finally {
      for (const querySet of sets) querySet.destroy();
      for (const buffer of [...resolve, ...readback]) buffer.destroy();
    }
  }
}

function encodeOne(pass: GPUComputePassEncoder, { pipeline, bindGroup, workgroups, indirect }: PreparedDispatch): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  if (indirect) pass.dispatchWorkgroupsIndirect(indirect.buffer, indirect.offset);
  else pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
}

function timed(dispatch: PreparedDispatch, phase: StepPhase, ms: number): TimedDispatch {
  return { op: dispatch.op, layer: dispatch.tag.layer, phase, ms };
}

/** The median round trip of an empty submit waited for: what op-by-op timing adds to each dispatch. */
async function emptySubmitMs(device: GPUDevice): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < EMPTY_SUBMITS; i++) {
    const started = performance.now();
    device.queue.submit([device.createCommandEncoder({ label: 'profile:empty' }).finish()]);
    await device.queue.onSubmittedWorkDone();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[EMPTY_SUBMITS >> 1];
}
