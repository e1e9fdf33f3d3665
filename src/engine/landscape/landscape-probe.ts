// The model the landscape measures losses with: the runs' graph at the evaluation set's size,
// with that set written once. Its weights are overwritten for each measurement by the perturb
// kernel, θ = base + α d_x + β d_y (base: the plane's centre, or one snapshot with α = β = 0),
// and one forward over the whole set in evaluation mode gives the loss: one submit and one
// 12-byte read-back a point. BatchNorm uses the running statistics of the centre run.

import { ComputePlan } from '../gpu/compute-plan';
import type { GpuContext } from '../gpu/context';
import { BYTES_PER_ELEMENT, type GpuTensor } from '../gpu/tensor';
import { perturb } from '../kernels/plane/plane';
import type { Batch } from '../data/training-data';
import { GpuModel } from '../nn/gpu-model';
import type { ModelGraph } from '../nn/graph';
import type { SnapshotStore } from './snapshot-store';

export interface PlaneVectors {
  readonly center: GpuTensor;
  readonly dirX: GpuTensor;
  readonly dirY: GpuTensor;
}

export class LandscapeProbe {
  private readonly coords: GpuTensor;
  private readonly slot: GpuTensor;
  private readonly centerPlan: ComputePlan;
  /** One per run: θ = that run's snapshot in `slot`. */
  private readonly snapshotPlans: ComputePlan[];
  private readonly scratch = new Float32Array(2);
  private readonly slotScratch = new Uint32Array(1);
  /** Forward passes run so far (grid points and snapshots). */
  forwards = 0;

  private constructor(
    private readonly ctx: GpuContext,
    readonly model: GpuModel,
    readonly evalSize: number,
    store: SnapshotStore,
    plane: PlaneVectors,
    private readonly owner: string,
  ) {
    const { pool } = ctx;
    const P = store.P;
    this.coords = pool.tensor(`${owner}:coords`, [2], owner);
    this.slot = pool.tensor(`${owner}:slot`, [1], owner, 'u32');
    const target = model.params.whole;
    this.centerPlan = new ComputePlan(ctx, `${owner}:at-center`, owner);
    perturb(this.centerPlan, target, plane.center, this.slot, plane.dirX, plane.dirY, this.coords, P, 1);
    this.snapshotPlans = store.runs.map((run) => {
      const plan = new ComputePlan(ctx, `${owner}:at-${run.name}`, owner);
      perturb(plan, target, run.snapshots, this.slot, plane.dirX, plane.dirY, this.coords, P, run.schedule.capacity);
      return plan;
    });
  }

  static async create(ctx: GpuContext, graph: ModelGraph, evaluation: Batch, store: SnapshotStore, plane: PlaneVectors): Promise<LandscapeProbe> {
    const owner = 'landscape:probe';
    const initial = await store.runs[0].model.readParameters();
    const model = await GpuModel.create(ctx, graph, evaluation.size, { owner, initial });
    model.loadEvaluationBatch(evaluation.inputs, evaluation.targets, evaluation.size);
    const probe = new LandscapeProbe(ctx, model, evaluation.size, store, plane, owner);
    await Promise.all([probe.centerPlan.compile(), ...probe.snapshotPlans.map((plan) => plan.compile())]);
    return probe;
  }

  /** BatchNorm's running statistics for every measurement: the centre run's. */
  useStatisticsOf(source: GpuModel): void {
    const from = source.statistics;
    if (from.layout.totalElements === 0) return;
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.owner}:statistics` });
    encoder.copyBufferToBuffer(from.buffer, 0, this.model.statistics.buffer, 0, from.layout.totalElements * BYTES_PER_ELEMENT);
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Mean loss over the evaluation set at centre + α d_x + β d_y. */
  lossAt(alpha: number, beta: number): Promise<number> {
    return this.measure(this.centerPlan, 0, alpha, beta);
  }

  /** Mean loss over the evaluation set of run `run`'s snapshot in `slot`. */
  snapshotLoss(run: number, slot: number): Promise<number> {
    return this.measure(this.snapshotPlans[run], slot, 0, 0);
  }

  destroy(): void {
    this.centerPlan.dispose();
    for (const plan of this.snapshotPlans) plan.dispose();
    this.model.destroy();
    this.ctx.pool.releaseOwner(this.owner);
  }

  private async measure(plan: ComputePlan, slot: number, alpha: number, beta: number): Promise<number> {
    const { queue } = this.ctx.device;
    this.scratch[0] = alpha;
    this.scratch[1] = beta;
    queue.writeBuffer(this.coords.buffer, this.coords.offset, this.scratch);
    this.slotScratch[0] = slot;
    queue.writeBuffer(this.slot.buffer, this.slot.offset, this.slotScratch);
    this.model.beginEvaluation();
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.owner}:measure` });
    const pass = encoder.beginComputePass({ label: `${this.owner}:measure` });
    plan.encode(pass);
    this.model.encodeEval(pass);
    pass.end();
    queue.submit([encoder.finish()]);
    this.forwards++;
    return (await this.model.finishEvaluation()).loss;
  }
}
