import type { GpuContext } from './context';
import { GpuValidationError } from './errors';
import type { OverrideConstants } from './pipeline-cache';
import { StepRecorder } from './step-recorder';
import { bindingOf, type GpuTensor } from './tensor';

export type UniformField = readonly ['u32' | 'i32' | 'f32', number];
export const u32 = (value: number): UniformField => ['u32', value];
export const i32 = (value: number): UniformField => ['i32', value];
export const f32 = (value: number): UniformField => ['f32', value];

export interface DispatchSpec {
  /** Names the op in labels and error messages, e.g. "conv2d_forward". */
  readonly op: string;
  readonly shader: string;
  /** The shader's entry point, 'main' unless given. */
  readonly entryPoint?: string;
  readonly constants?: OverrideConstants;
  /** Packed in order into a uniform buffer at @binding(0); the WGSL struct must match. */
  readonly uniforms?: readonly UniformField[];
  /** Storage buffers at @binding(1), (2), ... (from 0 when there are no uniforms). */
  readonly bindings: readonly GpuTensor[];
  /** With `indirect`, the most workgroups the counts it reads may ask for. */
  readonly workgroups: readonly [number, number?, number?];
  /**
   * Three u32 workgroup counts read when the dispatch runs (dispatchWorkgroupsIndirect), written
   * by an earlier dispatch of the same pass: a loop recorded at its full length then launches no
   * workgroups once its work is done. The buffer needs INDIRECT usage.
   */
  readonly indirect?: GpuTensor;
}

/** Where in a training step a dispatch belongs; a step profile groups its times by it. */
export type StepPhase = 'forward' | 'backward' | 'optimizer' | 'inspector' | 'landscape';

/**
 * A dispatch's place in the step, set while a plan is recorded (`within`): the model layer it
 * works for ('' when it spans the whole model, like an element-wise update of every
 * parameter) and its phase (null: whatever part of the step encodes the plan, see StepRecorder).
 */
export interface DispatchTag {
  readonly layer: string;
  readonly phase: StepPhase | null;
}

const UNTAGGED: DispatchTag = { layer: '', phase: null };

export interface PreparedDispatch {
  readonly op: string;
  readonly tag: DispatchTag;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly indirect?: GpuTensor;
}

/** Most adapters cap each dispatch dimension at 65535 workgroups. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/**
 * Workgroups for `count` invocations of a 1-D kernel, folded into two dimensions when one is
 * not enough. Kernels recover the index as `gid.x + gid.y * num_workgroups.x * WG`.
 */
export function gridFor(count: number, workgroupSize: number): [number, number] {
  const groups = Math.max(1, Math.ceil(count / workgroupSize));
  if (groups <= MAX_WORKGROUPS_PER_DIMENSION) return [groups, 1];
  const rows = Math.ceil(groups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(groups / rows), rows];
}

export function packUniforms(fields: readonly UniformField[]): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(bytes);
  fields.forEach(([type, value], index) => {
    if (type === 'f32') view.setFloat32(index * 4, value, true);
    else if (type === 'i32') view.setInt32(index * 4, value, true);
    else view.setUint32(index * 4, value, true);
  });
  return bytes;
}

/**
 * A recorded program: dispatches are added once (at build time, where pipelines, uniform
 * buffers and bind groups are made), then `run` replays them all in one compute pass and one
 * submit, creating nothing. Each dispatch is its own usage scope, so a dispatch sees the
 * writes of the ones before it.
 */
export class ComputePlan {
  private readonly specs: DispatchSpec[] = [];
  /** One per spec; shared objects, so tagging costs a pointer per dispatch at build time and nothing when the plan runs. */
  private readonly tags: DispatchTag[] = [];
  private tag: DispatchTag = UNTAGGED;
  private prepared: PreparedDispatch[] | null = null;
  private readonly uniformBuffers: GPUBuffer[] = [];
  /** The compile under way or done, shared by every caller; dropped on failure (so a retry compiles again) and by dispose. */
  private compiling: Promise<void> | null = null;
  /** Counts disposals, so a compile that a dispose overtook makes nothing. */
  private generation = 0;

  constructor(
    readonly ctx: GpuContext,
    readonly label: string,
    readonly owner = label,
  ) {}

  get dispatchCount(): number {
    return this.specs.length;
  }

  add(spec: DispatchSpec): void {
    if (this.prepared || this.compiling) throw new Error(`Plan "${this.label}" is already compiled; build a new plan to add "${spec.op}"`);
    for (const tensor of spec.bindings) {
      if (tensor.size === 0) throw new Error(`"${spec.op}" was given the empty tensor "${tensor.label}"`);
    }
    if (spec.indirect && (spec.indirect.size !== 3 || spec.indirect.dtype !== 'u32' || !(spec.indirect.buffer.usage & GPUBufferUsage.INDIRECT))) {
      throw new Error(`"${spec.op}": indirect "${spec.indirect.label}" must be three u32 in a buffer with INDIRECT usage`);
    }
    this.specs.push(spec);
    this.tags.push(this.tag);
  }

  /** Tags the dispatches `record` adds with a layer and a phase (restored afterwards, so sections nest). */
  within(layer: string, phase: StepPhase | null, record: () => void): void {
    const outer = this.tag;
    this.tag = { layer, phase: phase ?? outer.phase };
    try {
      record();
    } finally {
      this.tag = outer;
    }
  }

  /** Compiles the pipelines and makes the uniform buffers and bind groups, once however often it is called. */
  compile(): Promise<void> {
    if (this.prepared) return Promise.resolve();
    const compiling = (this.compiling ??= this.prepare().catch((error: unknown) => {
      if (this.compiling === compiling) this.compiling = null;
      throw error;
    }));
    return compiling;
  }

  /**
   * For a plan no first step runs: compiles once the pipeline cache is not held
   * (PipelineCache.hold). Whoever runs the plan awaits `compile()`, which starts at once when
   * this still waits, and sees any failure.
   */
  compileInBackground(): void {
    const generation = this.generation;
    void this.ctx.pipelines
      .whenReleased()
      .then(() => (generation === this.generation ? this.compile() : undefined))
      .catch(() => {});
  }

  private async prepare(): Promise<void> {
    const generation = this.generation;
    const { device } = this.ctx;
    const { pipelines: cache } = this.ctx;
    const pipelines = await cache.ready(Promise.all(this.specs.map((spec) => cache.get(spec.op, spec.shader, spec.constants, spec.entryPoint))));
    // Disposed while compiling: its tensors may be gone, so it makes nothing (the pipelines stay cached).
    if (generation !== this.generation) return;
    device.pushErrorScope('validation');
    const prepared = this.specs.map((spec, index): PreparedDispatch => {
      const pipeline = pipelines[index];
      const entries: GPUBindGroupEntry[] = [];
      if (spec.uniforms) {
        const data = packUniforms(spec.uniforms);
        const buffer = this.ctx.pool.acquire(`${spec.op}:uniforms`, data.byteLength, this.owner, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
        device.queue.writeBuffer(buffer, 0, data);
        this.uniformBuffers.push(buffer);
        entries.push({ binding: 0, resource: { buffer } });
      }
      const first = entries.length;
      spec.bindings.forEach((tensor, i) => entries.push({ binding: first + i, resource: bindingOf(tensor) }));
      const bindGroup = device.createBindGroup({ label: spec.op, layout: pipeline.getBindGroupLayout(0), entries });
      const [x, y = 1, z = 1] = spec.workgroups;
      return { op: spec.op, tag: this.tags[index], pipeline, bindGroup, workgroups: [x, y, z], indirect: spec.indirect };
    });
    const error = await device.popErrorScope();
    if (error) throw new GpuValidationError(this.label, error.message);
    // A dispose meanwhile has returned the uniform buffers.
    if (generation === this.generation) this.prepared = prepared;
  }

  /**
   * Records every dispatch into an open pass (several plans can share one pass); a StepRecorder
   * given in place of the pass (its `pass`) collects them instead, to be timed one by one.
   */
  encode(pass: GPUComputePassEncoder): void {
    if (!this.prepared) throw new Error(`Plan "${this.label}" must be compiled before it runs`);
    if (pass instanceof StepRecorder) {
      pass.collect(this.prepared);
      return;
    }
    for (const { pipeline, bindGroup, workgroups, indirect } of this.prepared) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      if (indirect) pass.dispatchWorkgroupsIndirect(indirect.buffer, indirect.offset);
      else pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    }
  }

  /** One encoder, one pass, one submit. */
  run(): void {
    const encoder = this.ctx.device.createCommandEncoder({ label: this.label });
    const pass = encoder.beginComputePass({ label: this.label });
    this.encode(pass);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Returns the plan's uniform buffers to the pool. */
  dispose(): void {
    for (const buffer of this.uniformBuffers) this.ctx.pool.release(buffer);
    this.uniformBuffers.length = 0;
    this.prepared = null;
    this.compiling = null;
    this.generation++;
  }
}
