// Every run's snapshots on the GPU: a buffer of `capacity` copies of its flat parameter buffer,
// the mean training loss since the previous snapshot for each, and the Gram matrix
// G_ab = <θ_a − θ_0, θ_b − θ_0> over all runs' slots (θ_0 the shared start), kept current as
// snapshots arrive. Taking a snapshot is a few dispatches appended to the run's training step,
// in the same pass: nothing is created and nothing read back.

import { ComputePlan } from '../gpu/compute-plan';
import type { GpuContext } from '../gpu/context';
import { BYTES_PER_ELEMENT, type GpuTensor } from '../gpu/tensor';
import { accumulateLoss, gramUpdate, snapshotCopy } from '../kernels/snapshot/snapshot';
import type { GpuModel } from '../nn/gpu-model';
import { SnapshotSchedule, type PlacedSnapshot } from './snapshot-schedule';

/** The eigendecomposition of the Gram matrix on the CPU stays quick up to this many rows. */
export const MAX_SNAPSHOT_ROWS = 256;

export interface SnapshotRun {
  readonly name: string;
  readonly model: GpuModel;
}

/** One run's slots: where they live on the GPU and which steps they hold. */
export interface RunSnapshots {
  readonly name: string;
  readonly model: GpuModel;
  readonly schedule: SnapshotSchedule;
  /** capacity x P parameters. */
  readonly snapshots: GpuTensor;
  /** Per slot: [sum of minibatch losses, their count] since the previous snapshot. */
  readonly slotLoss: GpuTensor;
  /** Row of the Gram matrix of this run's slot 0. */
  readonly first: number;
  readonly lossAccumulator: GpuTensor;
  readonly slotIndex: GpuTensor;
  readonly rowIndex: GpuTensor;
  readonly snapshotPlan: ComputePlan;
  readonly lossPlan: ComputePlan;
}

/** Slots per run that fit `budgetBytes` shared by all runs (and the Gram's row limit). */
export function slotsPerRun(budgetBytes: number, runs: number, bytesPerSnapshot: number, maxBindingBytes: number): number {
  const perRun = Math.min(budgetBytes / runs, maxBindingBytes);
  return Math.min(Math.floor(perRun / bytesPerSnapshot), Math.floor(MAX_SNAPSHOT_ROWS / runs));
}

export class SnapshotStore {
  readonly runs: RunSnapshots[];
  /** θ_0, the weights every run started from. */
  readonly origin: GpuTensor;
  /** S x S, S = all runs' slots. */
  readonly gram: GpuTensor;
  readonly rows: number;
  /** Parameters per snapshot (the flat buffer with its alignment padding). */
  readonly P: number;
  private readonly owner = 'landscape:snapshots';
  /** Reused for the slot and row indices written before a snapshot's submit. */
  private readonly index = new Uint32Array(1);

  private constructor(
    private readonly ctx: GpuContext,
    runs: readonly SnapshotRun[],
    capacity: number,
    every: number,
  ) {
    const { pool } = ctx;
    this.P = runs[0].model.params.layout.totalElements;
    this.rows = capacity * runs.length;
    this.origin = pool.tensor('landscape:origin', [this.P], this.owner);
    this.gram = pool.tensor('landscape:gram', [this.rows * this.rows], this.owner);
    this.runs = runs.map((run, index) => {
      const label = (what: string) => `landscape:${run.name}:${what}`;
      return {
        name: run.name,
        model: run.model,
        schedule: new SnapshotSchedule(capacity, every),
        snapshots: pool.tensor(label('snapshots'), [capacity * this.P], this.owner),
        slotLoss: pool.tensor(label('slot-loss'), [2 * capacity], this.owner),
        first: index * capacity,
        lossAccumulator: pool.tensor(label('loss-accumulator'), [2], this.owner),
        slotIndex: pool.tensor(label('slot-index'), [1], this.owner, 'u32'),
        rowIndex: pool.tensor(label('row-index'), [1], this.owner, 'u32'),
        snapshotPlan: new ComputePlan(ctx, label('snapshot'), this.owner),
        lossPlan: new ComputePlan(ctx, label('loss'), this.owner),
      };
    });
    for (const run of this.runs) {
      snapshotCopy(run.snapshotPlan, run.snapshots, run.slotLoss, run.model.params.whole, run.lossAccumulator, run.slotIndex, this.P, capacity);
      for (const other of this.runs) {
        gramUpdate(run.snapshotPlan, this.gram, other.snapshots, run.model.params.whole, this.origin, run.rowIndex, this.P, capacity, other.first, this.rows);
      }
      accumulateLoss(run.lossPlan, run.lossAccumulator, run.model.metrics);
    }
  }

  /** Snapshot buffers for `runs` (all started from the same weights), with their step-0 snapshots taken. */
  static async create(ctx: GpuContext, runs: readonly SnapshotRun[], capacity: number, every: number): Promise<SnapshotStore> {
    const store = new SnapshotStore(ctx, runs, capacity, every);
    await Promise.all(store.runs.flatMap((run) => [run.snapshotPlan.compile(), run.lossPlan.compile()]));
    const encoder = ctx.device.createCommandEncoder({ label: 'landscape:start' });
    // Pooled buffers may hold old values; an empty slot must be 0, as a direction weighs it by 0.
    const clear = (tensor: GpuTensor) => encoder.clearBuffer(tensor.buffer, tensor.offset, tensor.size * BYTES_PER_ELEMENT);
    clear(store.gram);
    for (const run of store.runs) [run.snapshots, run.slotLoss, run.lossAccumulator].forEach(clear);
    const first = store.runs[0].model.params.whole;
    encoder.copyBufferToBuffer(first.buffer, first.offset, store.origin.buffer, store.origin.offset, store.P * BYTES_PER_ELEMENT);
    ctx.device.queue.submit([encoder.finish()]);
    for (let index = 0; index < store.runs.length; index++) store.submitSnapshot(index, 0);
    return store;
  }

  get capacity(): number {
    return this.runs[0].schedule.capacity;
  }

  /**
   * Appended to run `index`'s training step, after the optimizer's update: adds the step's loss
   * to the running mean and, when the weights after `stepsDone` steps are due, copies them.
   * Returns the snapshot placed, if any.
   */
  encodeAfterStep(pass: GPUComputePassEncoder, index: number, stepsDone: number): PlacedSnapshot | null {
    const run = this.runs[index];
    run.lossPlan.encode(pass);
    if (!run.schedule.due(stepsDone)) return null;
    return this.encodeSnapshot(pass, run, stepsDone, false);
  }

  /** Takes run `index`'s snapshot at `stepsDone` in a submit of its own (the start, and a run's last weights). */
  submitSnapshot(index: number, stepsDone: number): PlacedSnapshot | null {
    const run = this.runs[index];
    if (run.schedule.holds(stepsDone)) return null;
    const encoder = this.ctx.device.createCommandEncoder({ label: `landscape:${run.name}:snapshot` });
    const pass = encoder.beginComputePass({ label: `landscape:${run.name}:snapshot` });
    const placed = this.encodeSnapshot(pass, run, stepsDone, true);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
    return placed;
  }

  /** All runs' held snapshots with their Gram row, the start (run 0's step 0) first. */
  held(): { run: number; slot: number; step: number; row: number }[] {
    return this.runs.flatMap((run, index) => run.schedule.snapshots().map(({ slot, step }) => ({ run: index, slot, step, row: run.first + slot })));
  }

  destroy(): void {
    for (const run of this.runs) {
      run.snapshotPlan.dispose();
      run.lossPlan.dispose();
    }
    this.ctx.pool.releaseOwner(this.owner);
  }

  private encodeSnapshot(pass: GPUComputePassEncoder, run: RunSnapshots, step: number, force: boolean): PlacedSnapshot | null {
    const slot = run.schedule.place(step, force);
    if (slot === null) return null;
    const { queue } = this.ctx.device;
    // Written before this submit runs; the run's next snapshot is in a later submit.
    this.index[0] = slot;
    queue.writeBuffer(run.slotIndex.buffer, run.slotIndex.offset, this.index);
    this.index[0] = run.first + slot;
    queue.writeBuffer(run.rowIndex.buffer, run.rowIndex.offset, this.index);
    run.snapshotPlan.encode(pass);
    return { slot, step };
  }
}
