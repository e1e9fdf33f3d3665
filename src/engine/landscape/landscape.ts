// The live loss landscape of a training session (docs/landscape.md). Snapshots are taken inside
// the runs' training steps (SnapshotStore); everything else is work done in slices between
// steps, at most a set share of GPU time while the runs train and all of it when they are paused
// or done: fitting a plane, placing every snapshot on it, measuring each snapshot's loss, and
// filling the grid of true losses coarse to fine. Each state of the picture goes out as a frame.

import { ComputePlan } from '../gpu/compute-plan';
import type { GpuContext } from '../gpu/context';
import { KeptReadback } from '../gpu/kept-readback';
import type { FlatBuffer } from '../gpu/flat-buffer';
import { readTensor } from '../gpu/transfer';
import { BYTES_PER_ELEMENT, type GpuTensor } from '../gpu/tensor';
import { encodeSafetensors, type TensorEntry } from '../checkpoint/safetensors';
import type { LandscapeConfig } from '../config/run-config';
import type { Batch } from '../data/training-data';
import { combineRows, projectRows } from '../kernels/plane/plane';
import type { ModelGraph } from '../nn/graph';
import { createRng } from '../random';
import { chooseSizes, type SpeedSample } from './auto-size';
import { filterNormalized } from './filter-normalization';
import { autoRange, axisValues, coarseLevelSize, progressiveOrder, surfaceAt, type AxisRange } from './grid';
import type { LandscapeChoice, LandscapeFrame, LandscapeSettings, PlaneKind, TrajectoryPoint } from './landscape-frame';
import { LandscapeProbe, type PlaneVectors } from './landscape-probe';
import { fitPcaPlane } from './pca-fit';
import { projectOntoPlane, type DirectionGram } from './plane-projection';
import { SnapshotStore, type SnapshotRun } from './snapshot-store';
import { parseWeightReference } from './weight-reference';
import { interpolateTrajectories } from './hull-interpolation';

export interface LandscapeOptions {
  ctx: GpuContext;
  config: LandscapeConfig;
  graph: ModelGraph;
  /** The session's runs in order; they all start from the same weights. */
  runs: readonly SnapshotRun[];
  /** Slots each run keeps (from the memory budget; checked to be >= 2 before). */
  capacity: number;
  budgetBytes: number;
  /** The fixed evaluation set (`eval_size` examples); called once, when the sizes are chosen. */
  evaluationSet: (count: number) => Promise<Batch>;
  /** The most examples the evaluation set can hold. */
  maxEvalSize: number;
  emit: (frame: LandscapeFrame) => void;
  /** Called when new work appears while the trainer may be waiting (a settings change while paused). */
  onWork?: () => void;
}

/** The landscape's GPU-time credit (or debt) while training is kept within this many milliseconds. */
const MAX_CREDIT_MS = 5000;

/** Frames go out at most this often while a grid fills (and always when it completes). */
const EMIT_INTERVAL_MS = 400;

/** One plane: its centre and directions live in the landscape's GPU vectors. */
interface Plane {
  kind: PlaneKind;
  centerRun: string;
  centerLabel: string;
  axisLabels: [string, string];
  explainedVariance: [number, number] | null;
  gram: DirectionGram;
}

interface Frame {
  id: number;
  plane: Plane;
  /** Snapshots taken when the plane was fitted; a later one makes a re-fit due. */
  snapshotVersion: number;
  range: AxisRange | null;
  alphas: number[];
  betas: number[];
  losses: (number | null)[][];
  order: number[];
  next: number;
  filled: number;
}

/** What is known of one snapshot (run, slot). */
interface PointState {
  step: number;
  trainLoss: number | null;
  evalLoss: number | null;
  /** The frame its coordinates belong to (-1: not placed yet). */
  frame: number;
  x: number;
  y: number;
  offPlane: number;
  distance: number;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class Landscape {
  private settings: LandscapeSettings;
  private readonly vectors: PlaneVectors;
  private readonly owner = 'landscape';
  private readonly combineX: ComputePlan;
  private readonly combineY: ComputePlan;
  private readonly coefficientsX: GpuTensor[];
  private readonly coefficientsY: GpuTensor[];
  private readonly projections: GpuTensor[];
  private readonly projectPlan: ComputePlan;
  private readonly projectionReadbacks: KeptReadback[];
  private readonly slotLossReadbacks: KeptReadback[];
  private readonly gramReadback: KeptReadback;
  private readonly centerReadback: KeptReadback;
  private probe: LandscapeProbe | null = null;
  private choice: LandscapeChoice | null = null;
  private speed: SpeedSample | null = null;
  private frame: Frame | null = null;
  private frameCount = 0;
  /** Snapshots taken so far (any run); the frame remembers the count it was fitted at. */
  private snapshotVersion = 0;
  /** A plane could not be fitted at this version (the snapshots do not vary yet). */
  private unfittableAt = -1;
  private projectionsStale = true;
  private readonly points = new Map<string, PointState>();
  private trainingDone = false;
  private settled = false;
  private stopped = false;
  private lastEmit = 0;
  private problem: string | null = null;
  /** Resolves the wait of finish() when new work may have appeared. */
  private idle: (() => void) | null = null;
  /** GPU time the landscape may still take while training (negative: time it overdrew). */
  private credit = 0;
  /** How long the last measurement (a grid point or a snapshot's loss) took. */
  private measurementMs = 0;

  private constructor(
    private readonly options: LandscapeOptions,
    readonly store: SnapshotStore,
  ) {
    const { ctx, config, runs } = options;
    const { pool } = ctx;
    this.settings = {
      plane: config.plane,
      centerRun: config.center_run ?? runs[0].name,
      center: config.center,
      weights: config.weights,
      seed: config.seed,
      grid: config.grid,
      range: config.range,
      evalSize: config.eval_size,
      freeze: config.freeze,
      visible: true,
    };
    const P = store.P;
    const vector = (name: string) => pool.tensor(`landscape:${name}`, [P], this.owner);
    this.vectors = { center: vector('center'), dirX: vector('dir-x'), dirY: vector('dir-y') };
    this.combineX = new ComputePlan(ctx, 'landscape:combine-x', this.owner);
    this.combineY = new ComputePlan(ctx, 'landscape:combine-y', this.owner);
    this.projectPlan = new ComputePlan(ctx, 'landscape:project', this.owner);
    const capacity = store.capacity;
    const perRun = (name: string, size: number) => store.runs.map((run) => pool.tensor(`landscape:${run.name}:${name}`, [size], this.owner));
    this.coefficientsX = perRun('coefficients-x', capacity);
    this.coefficientsY = perRun('coefficients-y', capacity);
    this.projections = perRun('projections', 3 * capacity);
    store.runs.forEach((run, index) => {
      const accumulate = index > 0;
      combineRows(this.combineX, this.vectors.dirX, run.snapshots, store.origin, this.coefficientsX[index], P, capacity, { accumulate });
      combineRows(this.combineY, this.vectors.dirY, run.snapshots, store.origin, this.coefficientsY[index], P, capacity, { accumulate });
      projectRows(this.projectPlan, this.projections[index], run.snapshots, this.vectors.center, this.vectors.dirX, this.vectors.dirY, P, capacity);
    });
    this.projectionReadbacks = this.projections.map((tensor) => new KeptReadback(ctx, tensor, this.owner));
    this.slotLossReadbacks = store.runs.map((run) => new KeptReadback(ctx, run.slotLoss, this.owner));
    this.gramReadback = new KeptReadback(ctx, store.gram, this.owner);
    this.centerReadback = new KeptReadback(ctx, this.vectors.center, this.owner);
  }

  static async create(options: LandscapeOptions): Promise<Landscape> {
    const store = await SnapshotStore.create(options.ctx, options.runs, options.capacity, options.config.snapshot_every);
    const landscape = new Landscape(options, store);
    // Used only once snapshots are held, long after the first step.
    for (const plan of [landscape.combineX, landscape.combineY, landscape.projectPlan]) plan.compileInBackground();
    landscape.snapshotVersion = store.runs.length;
    return landscape;
  }

  /** Appended to run `index`'s training step (same pass, after the update). */
  encodeAfterStep(pass: GPUComputePassEncoder, index: number, stepsDone: number): void {
    if (this.store.encodeAfterStep(pass, index, stepsDone)) this.snapshotTaken();
  }

  /** The latest training step's time, from which the grid and evaluation sizes are chosen. */
  recordStep(stepMs: number, batch: number): void {
    this.speed = { stepMs, batch };
  }

  /** The share of GPU time the landscape may take while the runs train. */
  get share(): number {
    return this.options.config.share;
  }

  /** Whether a slice of work would do something now. */
  get hasWork(): boolean {
    return !this.stopped && !this.settled && this.settings.visible && this.problem === null && this.nextUnit() !== null;
  }

  /** Changes from the page: a new frame starts with them (a new evaluation set if its size changed). */
  updateSettings(settings: Partial<LandscapeSettings>): void {
    const before = this.settings;
    this.settings = { ...before, ...settings };
    const replot = (Object.keys(settings) as (keyof LandscapeSettings)[]).some((key) => key !== 'visible' && key !== 'freeze');
    if (settings.evalSize !== undefined && settings.evalSize !== before.evalSize) this.dropProbe();
    if (settings.grid !== undefined && settings.grid !== before.grid) this.choice = null;
    if (replot) {
      this.frame = null;
      this.unfittableAt = -1;
      this.problem = null;
    }
    this.settled = false;
    this.options.onWork?.();
    this.wake();
    if (replot) this.emit(true);
  }

  /**
   * While the runs train: adds `budgetMs` to the landscape's credit of GPU time and works while
   * the credit covers what a measurement has been taking. A unit (one submit and its read-back)
   * cannot be split, so a rare long one (fitting a plane, making the probe) overdraws; the next
   * steps' budgets repay it before anything else runs, so the landscape's time stays within its share.
   */
  async workShare(budgetMs: number): Promise<void> {
    this.credit = Math.min(this.credit + budgetMs, MAX_CREDIT_MS);
    while (this.credit > 0 && this.credit >= this.measurementMs) {
      const started = performance.now();
      const worked = await this.work(0);
      this.credit -= performance.now() - started;
      if (!worked) break;
    }
  }

  /**
   * Works for about `budgetMs` (at least one unit when there is any): each unit is one submit
   * and its read-back. Errors stop the landscape with a message; training is never affected.
   * Returns whether it did any work.
   */
  async work(budgetMs: number): Promise<boolean> {
    if (this.stopped || this.settled || !this.settings.visible || this.problem !== null) return false;
    const deadline = performance.now() + budgetMs;
    let worked = false;
    try {
      do {
        const unit = this.nextUnit();
        if (!unit) break;
        await unit();
        worked = true;
      } while (performance.now() < deadline && !this.stopped);
    } catch (error) {
      if (this.stopped) return worked;
      this.problem = `The landscape stopped: ${describe(error)}. Training is not affected.`;
      this.emit(true);
      return worked;
    }
    this.emit(false);
    return worked;
  }

  /**
   * After training: every run's last weights are snapshotted, and the landscape works on with
   * all of the GPU until its last frame is complete (settled), then waits for new settings.
   */
  async finish(stepsDone: readonly number[]): Promise<void> {
    stepsDone.forEach((steps, index) => {
      if (this.store.submitSnapshot(index, steps)) this.snapshotTaken();
    });
    this.trainingDone = true;
    while (!this.stopped) {
      if (this.hasWork) {
        await this.work(250);
        continue;
      }
      if (!this.settled) {
        this.settled = true;
        this.emit(true);
      }
      await new Promise<void>((resolve) => (this.idle = resolve));
    }
  }

  /** The current plane as safetensors: center.*, dir_x.*, dir_y.* under the model's state_dict names. */
  async tensors(): Promise<Uint8Array> {
    const frame = this.frame;
    if (!frame) throw new Error('The landscape has no plane yet: it needs snapshots that differ (train a few steps first).');
    const { ctx } = this.options;
    const tensors: Record<string, TensorEntry> = {};
    const add = (prefix: string, flat: FlatBuffer, values: Float32Array) => {
      const unpacked = flat.unpack(values);
      for (const entry of flat.layout.entries) tensors[`${prefix}.${entry.name}`] = { dtype: 'F32', shape: [...entry.shape], data: unpacked.get(entry.name)! };
    };
    const params = this.store.runs[0].model.params;
    add('center', params, await this.centerReadback.read());
    add('dir_x', params, await readTensor(ctx, this.vectors.dirX));
    add('dir_y', params, await readTensor(ctx, this.vectors.dirY));
    // The BatchNorm running statistics every loss on the surface used: the centre run's, as the probe holds them.
    const statistics = this.probe?.model.statistics;
    if (statistics && statistics.layout.entries.length) add('center', statistics, await readTensor(ctx, statistics.whole));
    const { plane } = frame;
    return encodeSafetensors(tensors, {
      plane: plane.kind,
      center: `${plane.centerRun}: ${plane.centerLabel}`,
      x_axis: plane.axisLabels[0],
      y_axis: plane.axisLabels[1],
      alphas: JSON.stringify(frame.alphas),
      betas: JSON.stringify(frame.betas),
    });
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  destroy(): void {
    this.stop();
    this.dropProbe();
    this.combineX.dispose();
    this.combineY.dispose();
    this.projectPlan.dispose();
    this.store.destroy();
    this.options.ctx.pool.releaseOwner(this.owner);
  }

  private wake(): void {
    const idle = this.idle;
    this.idle = null;
    idle?.();
  }

  private snapshotTaken(): void {
    this.snapshotVersion++;
    this.projectionsStale = true;
    if (this.trainingDone) this.settled = false;
  }

  private dropProbe(): void {
    this.probe?.destroy();
    this.probe = null;
    this.choice = null;
  }

  private centerIndex(): number {
    const index = this.store.runs.findIndex((run) => run.name === this.settings.centerRun);
    return index < 0 ? 0 : index;
  }

  private centerModel() {
    return this.store.runs[this.centerIndex()].model;
  }

  /** The next unit of work, in order of what the picture needs first; null when idle. */
  private nextUnit(): (() => Promise<void>) | null {
    if (!this.speed) return null;
    const frame = this.frame;
    const refitDue = frame !== null && frame.next >= frame.order.length && !this.settings.freeze && this.snapshotVersion > frame.snapshotVersion;
    if ((frame === null || refitDue) && this.unfittableAt !== this.snapshotVersion) return () => this.fit();
    if (!frame) return null;
    if (this.projectionsStale) return () => this.project();
    const pending = frame.range ? this.pendingSnapshot() : null;
    const coarse = coarseLevelSize(frame.alphas.length);
    if (frame.next < Math.min(coarse, frame.order.length)) return () => this.measureGridPoint();
    if (pending) return () => this.measureSnapshot(pending);
    if (frame.next < frame.order.length) return () => this.measureGridPoint();
    return null;
  }

  private pendingSnapshot(): { run: number; slot: number } | null {
    for (const [index, run] of this.store.runs.entries()) {
      for (const { slot, step } of run.schedule.snapshots()) {
        const point = this.points.get(`${index}:${slot}`);
        if (point && point.step === step && point.evalLoss === null) return { run: index, slot };
      }
    }
    return null;
  }

  /** The sizes (chosen again after a grid change) and the probe at the chosen evaluation size. */
  private async ensureProbe(): Promise<LandscapeProbe> {
    const { config, maxEvalSize } = this.options;
    const evalSize = this.probe ? this.probe.evalSize : this.settings.evalSize;
    this.choice ??= chooseSizes({ grid: this.settings.grid, evalSize, maxEvalSize, share: config.share }, this.speed!);
    if (this.probe) return this.probe;
    const evaluation = await this.options.evaluationSet(this.choice.evalSize);
    this.probe = await LandscapeProbe.create(this.options.ctx, this.options.graph, evaluation, this.store, this.vectors);
    for (const point of this.points.values()) point.evalLoss = null;
    return this.probe;
  }

  private async fit(): Promise<void> {
    const plane = await this.fitPlane();
    if (!plane) {
      this.unfittableAt = this.snapshotVersion;
      return;
    }
    // Made once there is a plane to measure: it is the landscape's largest single cost.
    const probe = await this.ensureProbe();
    probe.useStatisticsOf(this.centerModel());
    const n = this.choice!.grid;
    const range = this.settings.range === 'auto' ? null : this.settings.range;
    this.frame = {
      id: ++this.frameCount,
      plane,
      snapshotVersion: this.snapshotVersion,
      range,
      alphas: range ? axisValues(range.x, n) : [],
      betas: range ? axisValues(range.y, n) : [],
      losses: Array.from({ length: n }, () => new Array<number | null>(n).fill(null)),
      order: progressiveOrder(n),
      next: 0,
      filled: 0,
    };
    // Snapshot losses depend on the centre's BatchNorm statistics, which move with it.
    if (this.centerModel().statistics.layout.totalElements > 0) for (const point of this.points.values()) point.evalLoss = null;
    this.projectionsStale = true;
    this.emit(true);
  }

  private async fitPlane(): Promise<Plane | null> {
    switch (this.settings.plane) {
      case 'pca':
        return this.fitPca();
      case 'random':
        return this.fitRandom();
      case 'weights':
        return this.fitWeights();
    }
  }

  private async fitPca(): Promise<Plane | null> {
    const { store } = this;
    const held = store.held();
    const center = this.centerIndex();
    const reference = store.runs[center].schedule.latest();
    if (!reference) return null;
    await Promise.all([this.combineX.compile(), this.combineY.compile()]);
    const gram = await this.gramReadback.read();
    const fit = fitPcaPlane(
      gram,
      store.rows,
      held.map((entry) => entry.row),
      store.runs[center].first + reference.slot,
    );
    if (!fit) return null;
    const { queue } = this.options.ctx.device;
    store.runs.forEach((run, index) => {
      const slice = (values: Float64Array) => Float32Array.from(values.subarray(run.first, run.first + store.capacity));
      queue.writeBuffer(this.coefficientsX[index].buffer, this.coefficientsX[index].offset, slice(fit.x));
      queue.writeBuffer(this.coefficientsY[index].buffer, this.coefficientsY[index].offset, slice(fit.y));
    });
    const encoder = this.options.ctx.device.createCommandEncoder({ label: 'landscape:pca-plane' });
    const pass = encoder.beginComputePass({ label: 'landscape:pca-plane' });
    this.combineX.encode(pass);
    this.combineY.encode(pass);
    pass.end();
    const snapshots = store.runs[center].snapshots;
    const bytes = store.P * BYTES_PER_ELEMENT;
    encoder.copyBufferToBuffer(snapshots.buffer, snapshots.offset + reference.slot * bytes, this.vectors.center.buffer, this.vectors.center.offset, bytes);
    queue.submit([encoder.finish()]);
    const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
    const [vx, vy] = fit.explainedVariance;
    return {
      kind: 'pca',
      centerRun: this.settings.centerRun,
      centerLabel: `step ${reference.step}`,
      axisLabels: [`PC1 (${percent(vx)})`, `PC2 (${percent(vy)})`],
      explainedVariance: [vx, vy],
      // The PCA directions are orthonormal; a direction the rows do not span is 0.
      gram: { xx: vx > 0 ? 1 : 0, xy: 0, yy: vy > 0 ? 1 : 0 },
    };
  }

  /** Copies the centre run's current weights (or the shared start) into the plane's centre. */
  private copyCenter(fromStart: boolean): { label: string } {
    const source = fromStart ? this.store.origin : this.centerModel().params.whole;
    const encoder = this.options.ctx.device.createCommandEncoder({ label: 'landscape:center' });
    encoder.copyBufferToBuffer(source.buffer, source.offset, this.vectors.center.buffer, this.vectors.center.offset, this.store.P * BYTES_PER_ELEMENT);
    this.options.ctx.device.queue.submit([encoder.finish()]);
    const run = this.store.runs[this.centerIndex()];
    return { label: fromStart ? 'the shared start' : `step ${run.schedule.latest()?.step ?? 0}+ (current weights)` };
  }

  private async fitRandom(): Promise<Plane> {
    const fromStart = this.settings.center === 'start';
    const { label } = this.copyCenter(fromStart);
    const params = this.store.runs[0].model.params;
    const center = params.unpack(await this.centerReadback.read());
    const rng = createRng(this.settings.seed);
    const tensors = params.layout.entries;
    const draw = () => new Map(tensors.map((entry) => [entry.name, Float64Array.from({ length: entry.size }, () => rng.normal())]));
    const [dx, dy] = [draw(), draw()].map((direction) => params.pack(filterNormalized(tensors, direction, center)));
    const { queue } = this.options.ctx.device;
    queue.writeBuffer(this.vectors.dirX.buffer, this.vectors.dirX.offset, dx);
    queue.writeBuffer(this.vectors.dirY.buffer, this.vectors.dirY.offset, dy);
    let xx = 0;
    let xy = 0;
    let yy = 0;
    for (let i = 0; i < dx.length; i++) {
      xx += dx[i] * dx[i];
      xy += dx[i] * dy[i];
      yy += dy[i] * dy[i];
    }
    const seed = this.settings.seed;
    return {
      kind: 'random',
      centerRun: fromStart ? this.store.runs[0].name : this.settings.centerRun,
      centerLabel: label,
      axisLabels: [`random direction 1 (filter-normalised, seed ${seed})`, `random direction 2 (filter-normalised, seed ${seed})`],
      explainedVariance: null,
      gram: { xx, xy, yy },
    };
  }

  /** The seed's plane: two weights vary, every other parameter is the centre run's. */
  private async fitWeights(): Promise<Plane> {
    const weights = this.settings.weights;
    if (!weights) throw new Error('The weights plane needs two parameters, e.g. "fc1.weight[0, 0]" and "fc1.weight[0, 1]"');
    const { params, specs } = this.store.runs[0].model;
    const refs = weights.map((text, k) => parseWeightReference(text, specs, `landscape.weights[${k}]`));
    const flat = refs.map((ref) => params.layout.entries.find((entry) => entry.name === ref.name)!.offset + ref.index);
    const { label } = this.copyCenter(false);
    const { queue } = this.options.ctx.device;
    // Centre with the two weights at 0, so centre + α e_a + β e_b has them at exactly α and β.
    const zero = new Float32Array(1);
    for (const index of flat) queue.writeBuffer(this.vectors.center.buffer, this.vectors.center.offset + index * BYTES_PER_ELEMENT, zero);
    [this.vectors.dirX, this.vectors.dirY].forEach((direction, k) => {
      const unit = new Float32Array(this.store.P);
      unit[flat[k]] = 1;
      queue.writeBuffer(direction.buffer, direction.offset, unit);
    });
    return {
      kind: 'weights',
      centerRun: this.settings.centerRun,
      centerLabel: label,
      axisLabels: [refs[0].label, refs[1].label],
      explainedVariance: null,
      gram: { xx: 1, xy: 0, yy: 1 },
    };
  }

  /** Every held snapshot's coordinates and distance from the plane, and its mean training loss. */
  private async project(): Promise<void> {
    await this.projectPlan.compile();
    const frame = this.frame!;
    const { ctx } = this.options;
    const encoder = ctx.device.createCommandEncoder({ label: 'landscape:project' });
    const pass = encoder.beginComputePass({ label: 'landscape:project' });
    this.projectPlan.encode(pass);
    pass.end();
    ctx.device.queue.submit([encoder.finish()]);
    this.projectionsStale = false;
    for (const [index, run] of this.store.runs.entries()) {
      const projections = await this.projectionReadbacks[index].read();
      const losses = await this.slotLossReadbacks[index].read();
      for (const { slot, step } of run.schedule.snapshots()) {
        const key = `${index}:${slot}`;
        let point = this.points.get(key);
        if (!point || point.step !== step) {
          const count = losses[2 * slot + 1];
          point = { step, trainLoss: count > 0 ? losses[2 * slot] / count : null, evalLoss: null, frame: -1, x: 0, y: 0, offPlane: 0, distance: 0 };
          this.points.set(key, point);
        }
        const [p, q, squared] = [projections[3 * slot], projections[3 * slot + 1], projections[3 * slot + 2]];
        const placed = projectOntoPlane(p, q, squared, frame.plane.gram);
        Object.assign(point, { frame: frame.id, x: placed.x, y: placed.y, offPlane: placed.offPlane, distance: Math.sqrt(Math.max(0, squared)) });
      }
    }
    if (!frame.range) {
      const placed = [...this.points.values()].filter((point) => point.frame === frame.id);
      frame.range = autoRange(
        placed.map((point) => point.x),
        placed.map((point) => point.y),
        this.options.config.margin,
      );
      const n = this.choice!.grid;
      frame.alphas = axisValues(frame.range.x, n);
      frame.betas = axisValues(frame.range.y, n);
    }
  }

  private async measureGridPoint(): Promise<void> {
    const frame = this.frame!;
    const n = frame.alphas.length;
    const index = frame.order[frame.next];
    const i = index % n;
    const j = Math.floor(index / n);
    const started = performance.now();
    const loss = await this.probe!.lossAt(frame.alphas[i], frame.betas[j]);
    this.measurementMs = performance.now() - started;
    // The frame may have been replaced by new settings while the GPU worked.
    if (this.frame !== frame) return;
    frame.losses[j][i] = Number.isFinite(loss) ? loss : null;
    frame.next++;
    frame.filled++;
    if (frame.next === frame.order.length) this.emit(true);
  }

  private async measureSnapshot({ run, slot }: { run: number; slot: number }): Promise<void> {
    const point = this.points.get(`${run}:${slot}`)!;
    const step = point.step;
    const started = performance.now();
    const loss = await this.probe!.snapshotLoss(run, slot);
    this.measurementMs = performance.now() - started;
    // A thinning may have reused the slot meanwhile; the value belongs to the old snapshot then.
    if (point.step === step) point.evalLoss = Number.isFinite(loss) ? loss : Number.NaN;
  }

  private emit(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastEmit < EMIT_INTERVAL_MS) return;
    const frame = this.buildFrame();
    if (!frame) return;
    this.lastEmit = now;
    this.options.emit(frame);
  }

  private buildFrame(): LandscapeFrame | null {
    const frame = this.frame;
    if (!frame && !this.problem && !this.settled) return null;
    const trajectories: TrajectoryPoint[] = [];
    let offPlaneSum = 0;
    let offPlaneCount = 0;
    let gapSum = 0;
    let gapCount = 0;
    for (const [index, run] of this.store.runs.entries()) {
      for (const { slot } of run.schedule.snapshots()) {
        const point = this.points.get(`${index}:${slot}`);
        if (!point || !frame || point.frame !== frame.id) continue;
        const surface = frame.alphas.length ? surfaceAt(frame.alphas, frame.betas, frame.losses, point.x, point.y) : null;
        const evalLoss = point.evalLoss !== null && Number.isFinite(point.evalLoss) ? point.evalLoss : null;
        trajectories.push({
          run: run.name,
          step: point.step,
          x: point.x,
          y: point.y,
          train_loss: point.trainLoss,
          eval_loss: evalLoss,
          off_plane: point.offPlane,
          surface_loss: surface,
        });
        if (point.distance > 0) {
          offPlaneSum += point.offPlane / point.distance;
          offPlaneCount++;
        }
        if (surface !== null && evalLoss !== null) {
          gapSum += Math.abs(evalLoss - surface);
          gapCount++;
        }
      }
    }
    const plane = frame?.plane;
    const choice = this.choice ?? { grid: 0, evalSize: 0, reason: 'Sizes are chosen after the first training step is timed.' };
    const result: LandscapeFrame = {
      id: frame?.id ?? 0,
      plane: plane?.kind ?? this.settings.plane,
      centerRun: plane?.centerRun ?? this.settings.centerRun,
      centerLabel: plane?.centerLabel ?? '',
      axisLabels: plane?.axisLabels ?? ['', ''],
      explainedVariance: plane?.explainedVariance ?? null,
      alphas: frame?.alphas ?? [],
      betas: frame?.betas ?? [],
      losses: frame && frame.alphas.length ? frame.losses.map((row) => [...row]) : [],
      filled: frame?.filled ?? 0,
      choice: this.problem ? { ...choice, reason: this.problem } : choice,
      budget: {
        budgetBytes: this.options.budgetBytes,
        runs: this.store.runs.map((run) => ({ run: run.name, kept: run.schedule.kept, capacity: run.schedule.capacity, every: run.schedule.every })),
      },
      trajectories,
      fit: { relativeOffPlane: offPlaneCount ? offPlaneSum / offPlaneCount : null, meanGap: gapCount ? gapSum / gapCount : null },
      settled: this.settled,
    };
    // The seed's picture: the recorded points' losses interpolated over their hull, at the grid's resolution.
    if (plane?.kind === 'weights' && frame!.alphas.length) result.interpolated = interpolateTrajectories(trajectories, frame!.alphas.length);
    return result;
  }
}
