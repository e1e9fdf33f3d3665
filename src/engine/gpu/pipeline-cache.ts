import { GpuValidationError, ShaderCompileError } from './errors';

export type OverrideConstants = Record<string, number>;

/** 'idle': compiled one at a time, after what anyone asked for 'now' (the compile ahead of Start). */
export type CompilePriority = 'now' | 'idle';

/** A pipeline in the cache: compiling or compiled, or (asked for 'idle') waiting its turn until `start`. */
interface CacheEntry {
  readonly pipeline: Promise<GPUComputePipeline>;
  start: (() => void) | null;
}

/** What every view of one cache shares (PipelineCache.idle). */
interface CacheState {
  readonly modules: Map<string, Promise<GPUShaderModule>>;
  readonly entries: Map<string, CacheEntry>;
  /** Entries asked for 'idle' not started yet, oldest first; at most one idle compile runs. */
  readonly idleQueue: CacheEntry[];
  idleRunning: boolean;
  compiled: number;
  waiters: number;
  waitStarted: number;
  waitedBefore: number;
  holds: number;
  heldBack: (() => void)[];
}

/**
 * Compiled pipelines keyed by WGSL source, entry point and override constants, so each
 * variant compiles once per device however many layers use it (tfjs' shaderKey, jax-js), and
 * every run and session on the device shares them.
 */
export class PipelineCache {
  /** Print every WGSL source once as it is compiled (tinygrad's DEBUG). */
  readonly debugWgsl: boolean;
  private readonly state: CacheState;

  constructor(
    private readonly device: GPUDevice,
    options: { debugWgsl?: boolean } = {},
    private readonly priority: CompilePriority = 'now',
    state?: CacheState,
  ) {
    this.debugWgsl = options.debugWgsl ?? false;
    this.state = state ?? {
      modules: new Map(),
      entries: new Map(),
      idleQueue: [],
      idleRunning: false,
      compiled: 0,
      waiters: 0,
      waitStarted: 0,
      waitedBefore: 0,
      holds: 0,
      heldBack: [],
    };
  }

  /**
   * The same cache, whose `get` asks at 'idle' priority: the adapter compiles one pipeline after
   * another (SwiftShader does), so a compile ahead of Start must never queue in front of what a
   * started session asks for. A session asking for a pipeline still waiting here starts it at once.
   */
  idle(): PipelineCache {
    return new PipelineCache(this.device, { debugWgsl: this.debugWgsl }, 'idle', this.state);
  }

  get size(): number {
    return this.state.entries.size;
  }

  /** Pipelines asked for that were not in the cache (each compiled once). */
  get compiled(): number {
    return this.state.compiled;
  }

  /**
   * Milliseconds during which some caller awaited pipelines through `ready`: the union of the
   * waits, so plans compiling side by side count once, and a compile nobody waits for not at all.
   */
  get waitedMs(): number {
    const { state } = this;
    return state.waitedBefore + (state.waiters > 0 ? performance.now() - state.waitStarted : 0);
  }

  /**
   * Holds background compiles (`whenReleased`) back until the returned function is called: what
   * a start's first step needs is asked for first, the rest (evaluation, the landscape's plane) after.
   */
  hold(): () => void {
    const { state } = this;
    state.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--state.holds > 0) return;
      const waiting = state.heldBack;
      state.heldBack = [];
      for (const resolve of waiting) resolve();
    };
  }

  /** Resolves once nothing holds background compiles. */
  whenReleased(): Promise<void> {
    return this.state.holds === 0 ? Promise.resolve() : new Promise((resolve) => this.state.heldBack.push(resolve));
  }

  /** Awaits `pending`, counting the time in `waitedMs`. */
  async ready<T>(pending: Promise<T>): Promise<T> {
    const { state } = this;
    if (state.waiters++ === 0) state.waitStarted = performance.now();
    try {
      return await pending;
    } finally {
      if (--state.waiters === 0) state.waitedBefore += performance.now() - state.waitStarted;
    }
  }

  get(op: string, source: string, constants: OverrideConstants = {}, entryPoint = 'main'): Promise<GPUComputePipeline> {
    const constantKey = Object.keys(constants)
      .sort()
      .map((name) => `${name}=${constants[name]}`)
      .join(',');
    const key = `${entryPoint}|${constantKey}|${source}`;
    const { state } = this;
    const found = state.entries.get(key);
    if (found) {
      if (found.start && this.priority === 'now') this.startNow(found);
      return found.pipeline;
    }
    state.compiled++;
    let begin!: () => void;
    const started = new Promise<void>((resolve) => (begin = resolve));
    const pipeline = started.then(() => this.compile(op, source, constants, entryPoint));
    const entry: CacheEntry = { pipeline, start: begin };
    state.entries.set(key, entry);
    // A failed compilation must not poison the cache for a later, corrected attempt.
    pipeline.catch(() => state.entries.delete(key));
    if (this.priority === 'now') this.startNow(entry);
    else {
      state.idleQueue.push(entry);
      this.startIdle();
    }
    return pipeline;
  }

  private startNow(entry: CacheEntry): void {
    const index = this.state.idleQueue.indexOf(entry);
    if (index >= 0) this.state.idleQueue.splice(index, 1);
    entry.start?.();
    entry.start = null;
  }

  /** Starts the oldest idle entry when no idle compile runs; the next follows when it settles. */
  private startIdle(): void {
    const { state } = this;
    if (state.idleRunning) return;
    const next = state.idleQueue.shift();
    if (!next) return;
    state.idleRunning = true;
    next.start?.();
    next.start = null;
    const done = () => {
      state.idleRunning = false;
      this.startIdle();
    };
    next.pipeline.then(done, done);
  }

  private module(op: string, source: string): Promise<GPUShaderModule> {
    const { modules } = this.state;
    let module = modules.get(source);
    if (!module) {
      module = this.compileModule(op, source);
      modules.set(source, module);
      module.catch(() => modules.delete(source));
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
