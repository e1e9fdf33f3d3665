// The Kronecker-factor inspector of one training run, on the GPU (docs/adafisher-inspector.md).
// On a measurement step it records, into the step's own compute pass and right after the
// backward: the diagonal share ‖diag M‖² / ‖M‖_F² of H and S of every Linear and Conv2d layer
// (gram into a scratch, then one squareSums dispatch per group of layers), and for the inspected
// layers the full H and S, min-max normalised and folded into a running average that starts at
// the identity. stage() copies the small results (and AdaFisher's factors, for F̃) into kept
// staging buffers in the step's command buffer; read() maps them after the submit. Everything
// is allocated in create(); a run without an inspector has none of it. full-factors.ref.ts is
// the float64 twin.

import { ComputePlan } from '../gpu/compute-plan';
import { FlatBuffer, flatLayout } from '../gpu/flat-buffer';
import { KeptReadback } from '../gpu/kept-readback';
import { tensorView, type GpuTensor } from '../gpu/tensor';
import { readTensor, writeTensor } from '../gpu/transfer';
import { gram, gramPartialsSize } from '../kernels/gram/gram';
import type { PatchGeometry } from '../kernels/gram/patch-geometry';
import { joinPieces, matrixRun, diagonalRun, RUN_WORDS, runTable, splitRuns, squareSums, type StridedRun } from '../kernels/square-sums/square-sums';
import type { GpuModel } from '../nn/gpu-model';
import { minMaxAverage, minMaxAverageTable } from '../kernels/minmax-average/minmax-average';
import { channelSquareMeans, patchSquareMeans, type AdaFisherGpuOptimizer, type KeptFactors } from '../optim/adafisher';
import { preconditionerStats } from '../optim/adafisher-factors.ref';
import type { GpuOptimizer } from '../optim/optimizer';
import { factorGeometry, type FactorGeometry } from './factor-geometry';
import type { FisherStats, FullFactor, InspectionRecord, LayerShares } from './inspect-types';
import { shareLayout, type FactorSide } from './share-layout';

export interface RunInspectorOptions {
  readonly run: string;
  /** Measurement when step % every === 0 (step = steps trained before this one, 0-based, as AdaFisher's counter). */
  readonly every: number;
  /** Running average of the normalised full factors: M <- keep*M + add*minmax(M_new), from the identity (AdaFisher's averageWeights(config); defaults keep 0.08, add 0.008). */
  readonly keep: number;
  readonly add: number;
  /** Layers whose full H and S are kept (already checked with checkInspectedLayer by the caller). */
  readonly fullLayers: readonly string[];
  /** Measurement steps whose full factors are read back; null: every measurement. */
  readonly fullSteps: readonly number[] | null;
}

/** One squareSums dispatch: its runs cut into pieces, and where its sums land. */
interface EnergyGroup {
  readonly values: GpuTensor;
  readonly pieces: StridedRun[];
  readonly of: number[];
  readonly runs: number;
  readonly table: GpuTensor;
  /** Where the group's piece sums start in the energies buffer. */
  readonly outOffset: number;
}

/** Where a layer's four energies are in the joined sums of all groups: [H diagonal, H total, S diagonal, S total]. */
type EnergyIndices = Record<FactorSide, { readonly diagonal: number; readonly total: number }>;

const isAdaFisher = (optimizer: GpuOptimizer): optimizer is AdaFisherGpuOptimizer =>
  optimizer.config.type === 'adafisher' || optimizer.config.type === 'adafisherw';

function checkOptions(options: RunInspectorOptions, layers: readonly FactorGeometry[]): void {
  const { every, keep, add, fullLayers, fullSteps } = options;
  if (!Number.isInteger(every) || every < 1) throw new Error(`Inspector: every must be a whole number of steps >= 1, got ${every}`);
  for (const [name, value] of [
    ['keep', keep],
    ['add', add],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`Inspector: the running average's ${name} must be a finite number >= 0, got ${value}`);
  }
  const names = layers.map((layer) => layer.layer);
  for (const layer of fullLayers) {
    if (!names.includes(layer)) throw new Error(`Inspector: no Linear or Conv2d layer named "${layer}" (layers: ${names.join(', ') || 'none'})`);
  }
  if (new Set(fullLayers).size !== fullLayers.length) throw new Error(`Inspector: a layer is inspected twice in [${fullLayers.join(', ')}]`);
  for (const step of fullSteps ?? []) {
    if (!Number.isInteger(step) || step < 0 || step % every !== 0) {
      throw new Error(`Inspector: full factors can be read at measurement steps only (multiples of ${every} from 0), got ${step}`);
    }
  }
}

export class RunInspector {
  private stagedStep = -1;
  private stagedFull = false;

  private constructor(
    private readonly model: GpuModel,
    private readonly options: RunInspectorOptions,
    private readonly owner: string,
    private readonly plan: ComputePlan,
    private readonly layers: readonly FactorGeometry[],
    private readonly groups: readonly EnergyGroup[],
    private readonly energyIndices: ReadonlyMap<string, EnergyIndices>,
    private readonly energyReadback: KeptReadback,
    private readonly fullRaw: FlatBuffer | null,
    private readonly fullAverage: FlatBuffer | null,
    private readonly fullReadback: KeptReadback | null,
    private readonly fisher: { readonly kept: KeptFactors; readonly damping: number } | null,
  ) {}

  static async create(model: GpuModel, optimizer: GpuOptimizer, options: RunInspectorOptions): Promise<RunInspector> {
    const { ctx } = model;
    const { pool } = ctx;
    const owner = `${model.owner}:inspector`;
    const plan = new ComputePlan(ctx, `${owner}:measure`, owner);
    try {
      const sources = model.layers.flatMap((tensors) => {
        const { node } = tensors;
        return node.op === 'linear' || node.op === 'conv2d' ? [{ geometry: factorGeometry(node, tensors.input.shape), tensors }] : [];
      });
      const layers = sources.map((source) => source.geometry);
      checkOptions(options, layers);
      const tensorsOf = new Map(sources.map((source) => [source.geometry.layer, source.tensors]));
      const sideTensor = (layer: string, side: FactorSide) => (side === 'H' ? tensorsOf.get(layer)!.input : tensorsOf.get(layer)!.outputGrad);

      const fullGeometries = layers.filter((layer) => options.fullLayers.includes(layer.layer));
      const { groups: shareGroups, capacity } = shareLayout(
        layers.filter((layer) => !options.fullLayers.includes(layer.layer)),
        ctx.storageAlignment,
      );

      // One gram scratch for every gram of the plan: they run one after another in the pass.
      const gramPatches: PatchGeometry[] = [
        ...fullGeometries.flatMap((layer) => [layer.hPatch, layer.sPatch]),
        ...shareGroups.flatMap((group) => group.measurements.map((measurement) => measurement.gramPatch)),
      ];
      const partialsSize = Math.max(0, ...gramPatches.map(gramPartialsSize));
      const partials = partialsSize > 0 ? pool.tensor(`${owner}:gram-partials`, [partialsSize], owner) : null;
      const gramInto = (out: GpuTensor, x: GpuTensor, patch: PatchGeometry, rows: number) =>
        gram(plan, out, x, patch, { scale: 1 / rows, accumulate: false, partials });

      // Energy groups: each share group, then the full layers (read from their raw full factors).
      const groupRuns: { values: GpuTensor; runs: StridedRun[] }[] = [];
      const energyIndices = new Map<string, { H?: { diagonal: number; total: number }; S?: { diagonal: number; total: number } }>();
      let runCount = 0;
      const addRuns = (runs: StridedRun[], layer: string, side: FactorSide, diagonal: StridedRun, total: StridedRun) => {
        const entry = energyIndices.get(layer) ?? {};
        entry[side] = { diagonal: runCount, total: runCount + 1 };
        energyIndices.set(layer, entry);
        runs.push(diagonal, total);
        runCount += 2;
      };

      const scratch = capacity > 0 ? pool.tensor(`${owner}:share-scratch`, [capacity], owner) : null;
      for (const group of shareGroups) {
        const runs: StridedRun[] = [];
        for (const measurement of group.measurements) {
          const { layer, side, gramPatch, gramOffset, gramSide, diagonalOffset, diagonalLength } = measurement;
          const source = sideTensor(layer, side);
          const geometry = layers.find((candidate) => candidate.layer === layer)!;
          const view = (offset: number, size: number, name: string) =>
            tensorView(scratch!.buffer, [size], { offset: offset * 4, label: `${owner}:${layer}.${side}.${name}` });
          gramInto(view(gramOffset, gramSide * gramSide, 'gram'), source, gramPatch, geometry.rows);
          if (diagonalOffset !== null) {
            // diag(Xᵀ X / N) measured on its own: the column square means AdaFisher measures.
            const diagonal = view(diagonalOffset, diagonalLength, 'diagonal');
            if (side === 'H') patchSquareMeans(plan, diagonal, source, geometry.hPatch, false);
            else channelSquareMeans(plan, diagonal, source, geometry.sPatch.batch, geometry.sSize, geometry.sPatch.height);
          }
          addRuns(runs, layer, side, measurement.diagonalRun, measurement.totalRun);
        }
        groupRuns.push({ values: scratch!, runs });
      }

      let fullRaw: FlatBuffer | null = null;
      let fullAverage: FlatBuffer | null = null;
      if (fullGeometries.length > 0) {
        const layout = flatLayout(
          fullGeometries.flatMap((layer) => [
            { name: `${layer.layer}.H`, shape: [layer.hSize ** 2] },
            { name: `${layer.layer}.S`, shape: [layer.sSize ** 2] },
          ]),
          ctx.storageAlignment,
        );
        fullRaw = new FlatBuffer(layout, pool, `${owner}:full-measured`, owner);
        fullAverage = new FlatBuffer(layout, pool, `${owner}:full-average`, owner);
        const identities = new Map(
          fullGeometries.flatMap((layer) => [
            [`${layer.layer}.H`, identityValues(layer.hSize)],
            [`${layer.layer}.S`, identityValues(layer.sSize)],
          ]),
        );
        ctx.device.queue.writeBuffer(fullAverage.buffer, 0, fullAverage.pack(identities));
        const runs: StridedRun[] = [];
        for (const layer of fullGeometries) {
          for (const [side, patch, size] of [
            ['H', layer.hPatch, layer.hSize],
            ['S', layer.sPatch, layer.sSize],
          ] as const) {
            const name = `${layer.layer}.${side}`;
            gramInto(fullRaw.view(name), sideTensor(layer.layer, side), patch, layer.rows);
            const offset = layout.entries.find((entry) => entry.name === name)!.offset;
            addRuns(runs, layer.layer, side, diagonalRun(offset, size), matrixRun(offset, size));
          }
        }
        // One min and max over each whole matrix, spread over workgroups (a 2049² H is 4.2 million values).
        const vectors = layout.entries.map((entry) => ({ offset: entry.offset, length: entry.size }));
        const pieces = minMaxAverageTable(vectors);
        const table = pool.tensor(`${owner}:full-table`, [pieces.table.length], owner, 'u32');
        writeTensor(ctx, table, pieces.table);
        const ranges = pool.tensor(`${owner}:full-ranges`, [2 * pieces.pieces], owner);
        minMaxAverage(plan, fullAverage.whole, fullRaw.whole, table, ranges, vectors, options.keep, options.add);
        groupRuns.push({ values: fullRaw.whole, runs });
      }

      const split = groupRuns.map(({ values, runs }) => ({ values, runs: runs.length, ...splitRuns(runs) }));
      const energies = new FlatBuffer(
        flatLayout(
          split.map((group, index) => ({ name: `group${index}`, shape: [Math.max(1, group.pieces.length)] })),
          ctx.storageAlignment,
        ),
        pool,
        `${owner}:energies`,
        owner,
      );
      const groups: EnergyGroup[] = split.map((group, index) => {
        const table = pool.tensor(`${owner}:energy-table${index}`, [group.pieces.length * RUN_WORDS], owner, 'u32');
        writeTensor(ctx, table, runTable(group.pieces));
        squareSums(plan, energies.view(`group${index}`), group.values, table, group.pieces);
        return { ...group, table, outOffset: energies.layout.entries[index].offset };
      });
      const energyReadback = new KeptReadback(ctx, energies.whole, owner);
      const fullReadback = fullAverage ? new KeptReadback(ctx, fullAverage.whole, owner) : null;
      const fisher = isAdaFisher(optimizer) ? { kept: optimizer.keptFactors(), damping: optimizer.config.damping } : null;
      await plan.compile();
      return new RunInspector(
        model,
        options,
        owner,
        plan,
        layers,
        groups,
        energyIndices as Map<string, EnergyIndices>,
        energyReadback,
        fullRaw,
        fullAverage,
        fullReadback,
        fisher,
      );
    } catch (error) {
      plan.dispose();
      pool.releaseOwner(owner);
      throw error;
    }
  }

  isMeasurementStep(step: number): boolean {
    return Number.isInteger(step) && step >= 0 && step % this.options.every === 0;
  }

  /** Whether a measurement step's full factors are read back. */
  isFullStep(step: number): boolean {
    return this.fullAverage !== null && this.isMeasurementStep(step) && (this.options.fullSteps === null || this.options.fullSteps.includes(step));
  }

  /** Records the measurement into the training step's open compute pass. The trainer calls it right after the model's backward and BEFORE optimizer.encode (K-FAC's extra gradient passes overwrite the layer tensors). No-op when not a measurement step. */
  encode(pass: GPUComputePassEncoder, step: number): void {
    if (this.isMeasurementStep(step)) this.plan.encode(pass);
  }

  /** Copies what read() needs into kept staging buffers, in the same command buffer (after the pass, so AdaFisher's factors are those after this step's own measurement). */
  stage(encoder: GPUCommandEncoder, step: number): void {
    if (!this.isMeasurementStep(step)) return;
    this.energyReadback.stage(encoder);
    this.stagedFull = this.isFullStep(step);
    if (this.stagedFull) this.fullReadback!.stage(encoder);
    this.fisher?.kept.stage(encoder);
    this.stagedStep = step;
  }

  /** After the step's submit: the record of this measurement (run, step, shares of every Linear/Conv2d layer, fisher for AdaFisher runs else null, factors when step is a full step). */
  async read(step: number): Promise<InspectionRecord> {
    if (step !== this.stagedStep) {
      throw new Error(`Inspector: read(${step}) needs stage(encoder, ${step}) in that step's command buffer first (last staged: ${this.stagedStep})`);
    }
    this.stagedStep = -1;
    const [energyValues, fullValues, fisherFactors] = await Promise.all([
      this.energyReadback.read(),
      this.stagedFull ? this.fullReadback!.read() : Promise.resolve(null),
      this.fisher ? this.fisher.kept.read() : Promise.resolve(null),
    ]);
    const sums = this.groups.flatMap((group) =>
      Array.from(joinPieces(energyValues.subarray(group.outOffset, group.outOffset + group.pieces.length), group.of, group.runs)),
    );
    const share = (energy: { diagonal: number; total: number }) => (sums[energy.total] > 0 ? sums[energy.diagonal] / sums[energy.total] : 0);
    const shares: LayerShares[] = this.layers.map(({ layer }) => {
      const indices = this.energyIndices.get(layer)!;
      return { layer, h: share(indices.H), s: share(indices.S) };
    });
    let fisher: InspectionRecord['fisher'] = null;
    if (this.fisher && fisherFactors) {
      const { damping } = this.fisher;
      const layers: FisherStats[] = this.layers.map(({ layer }) => {
        const { H, S } = fisherFactors.get(layer)!;
        return preconditionerStats(layer, S, H, damping);
      });
      fisher = { damping, layers };
    }
    const factors = fullValues ? this.unpackFull(fullValues) : [];
    return { run: this.options.run, step, shares, fisher, factors };
  }

  /**
   * The last measurement's raw full factors of the inspected layers (XᵀX / N, before
   * normalising), read with a submit of their own: for tests and checks, not for the step.
   */
  async readMeasuredFactors(): Promise<FullFactor[]> {
    if (!this.fullRaw) return [];
    return this.unpackFull(await readTensor(this.model.ctx, this.fullRaw.whole));
  }

  get stateBytes(): number {
    return this.model.ctx.pool.bytesHeldBy(this.owner);
  }

  destroy(): void {
    this.plan.dispose();
    this.model.ctx.pool.releaseOwner(this.owner);
  }

  private unpackFull(flat: Float32Array): FullFactor[] {
    // The measured and the averaged factors share one layout.
    const values = this.fullAverage!.unpack(flat);
    return this.layers
      .filter(({ layer }) => this.options.fullLayers.includes(layer))
      .flatMap(({ layer, hSize, sSize }) => [
        { layer, side: 'H' as const, n: hSize, values: values.get(`${layer}.H`)! },
        { layer, side: 'S' as const, n: sSize, values: values.get(`${layer}.S`)! },
      ]);
  }
}

function identityValues(n: number): Float32Array {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return values;
}
