import { GpuValidationError, ShaderCompileError } from './errors';

export type OverrideConstants = Record<string, number>;

/**
 * Compiled pipelines keyed by WGSL source, entry point and override constants, so each
 * variant compiles once per device however many layers use it (tfjs' shaderKey, jax-js).
 */
export class PipelineCache {
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  /** Print every WGSL source once as it is compiled (tinygrad's DEBUG). */
  debugWgsl: boolean;
  /** Pipelines asked for that were not in the cache (each compiled once). */
  compiled = 0;
  /** Callers awaiting pipelines now, and since when one has been. */
  private waiters = 0;
  private waitStarted = 0;
  private waitedBefore = 0;
  /** Holds on background compiles, and the compiles waiting for the last to go. */
  private holds = 0;
  private heldBack: (() => void)[] = [];

  constructor(
    private readonly device: GPUDevice,
    options: { debugWgsl?: boolean } = {},
  ) {
    this.debugWgsl = options.debugWgsl ?? false;
  }

  get size(): number {
    return this.pipelines.size;
  }

  /**
   * Milliseconds during which some caller awaited pipelines through `ready`: the union of the
   * waits, so plans compiling side by side count once, and a compile nobody waits for not at all.
   */
  get waitedMs(): number {
    return this.waitedBefore + (this.waiters > 0 ? performance.now() - this.waitStarted : 0);
  }

  /**
   * Holds background compiles (`whenReleased`) back until the returned function is called: the
   * adapter compiles pipelines one after another (SwiftShader does), so what a start's first
   * step needs must be asked for first and the rest (evaluation, the landscape's plane) after.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0) return;
      const waiting = this.heldBack;
      this.heldBack = [];
      for (const resolve of waiting) resolve();
    };
  }

  /** Resolves once nothing holds background compiles. */
  whenReleased(): Promise<void> {
    return this.holds === 0 ? Promise.resolve() : new Promise((resolve) => this.heldBack.push(resolve));
  }

  /** Awaits `pending`, counting the time in `waitedMs`. */
  async ready<T>(pending: Promise<T>): Promise<T> {
    if (this.waiters++ === 0) this.waitStarted = performance.now();
    try {
      return await pending;
    } finally {
      if (--this.waiters === 0) this.waitedBefore += performance.now() - this.waitStarted;
    }
  }

  get(op: string, source: string, constants: OverrideConstants = {}, entryPoint = 'main'): Promise<GPUComputePipeline> {
    const constantKey = Object.keys(constants)
      .sort()
      .map((name) => `${name}=${constants[name]}`)
      .join(',');
    const key = `${entryPoint}|${constantKey}|${source}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      this.compiled++;
      pipeline = this.compile(op, source, constants, entryPoint);
      this.pipelines.set(key, pipeline);
      // A failed compilation must not poison the cache for a later, corrected attempt.
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private module(op: string, source: string): Promise<GPUShaderModule> {
    let module = this.modules.get(source);
    if (!module) {
      module = this.compileModule(op, source);
      this.modules.set(source, module);
      module.catch(() => this.modules.delete(source));
    }
    return module;
  }

  private async compileModule(op: string, source: string): Promise<GPUShaderModule> {
    if (this.debugWgsl) console.info(`[wgsl] ${op}\n${source}`);
    // The scope keeps a compile error from also surfacing as an uncaptured device error.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: op, code: source });
    const info = await module.getCompilationInfo();
    await this.device.popErrorScope();
    const errors = info.messages.filter((message) => message.type === 'error');
    if (errors.length > 0) {
      const lines = source.split('\n');
      const text = errors.map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}\n    ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n');
      throw new ShaderCompileError(op, text);
    }
    return module;
  }

  private async compile(op: string, source: string, constants: OverrideConstants, entryPoint: string): Promise<GPUComputePipeline> {
    const module = await this.module(op, source);
    try {
      return await this.device.createComputePipelineAsync({
        label: op,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    } catch (error) {
      throw new GpuValidationError(op, error instanceof Error ? error.message : String(error));
    }
  }
}
