import { afterEach, describe, expect, it, vi } from 'vitest';
import { ComputePlan, u32 } from './compute-plan';
import { createGpuContext } from './context';
import { DeviceLostError, ShaderCompileError, WebGpuUnavailableError } from './errors';
import { FlatBuffer, flatLayout } from './flat-buffer';
import { readTensor, writeTensor } from './transfer';

const FILL_SHADER = /* wgsl */ `
override VALUE: f32 = 1.0;
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x < params.n) { out[gid.x] = VALUE + f32(gid.x); }
}`;

describe('GPU runtime', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports the adapter and its limits', async () => {
    const ctx = await createGpuContext();
    expect(ctx.adapter.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(ctx.storageAlignment).toBeGreaterThan(0);
    expect(`${ctx.adapter.vendor}${ctx.adapter.architecture}${ctx.adapter.description}`).not.toBe('');
    ctx.destroy();
  });

  it('caches a pipeline per source and override constants, and labels it with the op', async () => {
    const ctx = await createGpuContext();
    const a = await ctx.pipelines.get('fill', FILL_SHADER, { VALUE: 2 });
    const b = await ctx.pipelines.get('fill', FILL_SHADER, { VALUE: 2 });
    const c = await ctx.pipelines.get('fill', FILL_SHADER, { VALUE: 3 });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(a.label).toBe('fill');
    expect(ctx.pipelines.size).toBe(2);
    ctx.destroy();
  });

  it('names the op and quotes the compiler when WGSL does not compile', async () => {
    const ctx = await createGpuContext();
    const broken = FILL_SHADER.replace('VALUE + f32(gid.x)', 'VALUE + undefinedThing');
    const error = await ctx.pipelines.get('fill_broken', broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    expect((error as ShaderCompileError).op).toBe('fill_broken');
    expect((error as Error).message).toMatch(/"fill_broken".*\n.*line \d+.*undefinedThing/s);
    ctx.destroy();
  });

  it('prints each WGSL source once when debugWgsl is on', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const ctx = await createGpuContext({ debugWgsl: true });
    await ctx.pipelines.get('fill', FILL_SHADER);
    await ctx.pipelines.get('fill', FILL_SHADER, { VALUE: 5 });
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0][0]).toContain('[wgsl] fill');
    expect(info.mock.calls[0][0]).toContain('@compute');
    ctx.destroy();
  });

  it('runs a plan in one submit and creates nothing when replayed', async () => {
    const ctx = await createGpuContext();
    const out = ctx.pool.tensor('out', [100], 'test');
    const plan = new ComputePlan(ctx, 'fill', 'test');
    plan.add({ op: 'fill', shader: FILL_SHADER, constants: { VALUE: 0.5 }, uniforms: [u32(100)], bindings: [out], workgroups: [2] });
    await plan.compile();
    const submit = vi.spyOn(ctx.device.queue, 'submit');
    const created = ctx.pool.creations;
    plan.run();
    plan.run();
    expect(submit).toHaveBeenCalledTimes(2);
    expect(ctx.pool.creations).toBe(created);
    const values = await readTensor(ctx, out);
    expect(values[0]).toBe(0.5);
    expect(values[99]).toBe(99.5);
    ctx.destroy();
  });

  it('counts bytes per owner and recycles released buffers', async () => {
    const ctx = await createGpuContext();
    const first = ctx.pool.acquire('a', 1000, 'run-1');
    ctx.pool.acquire('b', 24, 'run-1');
    ctx.pool.acquire('c', 64, 'run-2');
    expect(ctx.pool.bytesHeldBy('run-1')).toBe(1008 + 32);
    expect(ctx.pool.bytesHeldBy('run-2')).toBe(64);
    const created = ctx.pool.creations;
    ctx.pool.releaseOwner('run-1');
    expect(ctx.pool.bytesHeldBy('run-1')).toBe(0);
    expect(ctx.pool.acquire('d', 1000, 'run-3')).toBe(first);
    expect(ctx.pool.creations).toBe(created);
    ctx.destroy();
  });

  it('gives each entry of a flat buffer an aligned view that reads back its own values', async () => {
    const ctx = await createGpuContext();
    const layout = flatLayout(
      [
        { name: 'w', shape: [3, 5] },
        { name: 'b', shape: [3] },
      ],
      ctx.storageAlignment,
    );
    const flat = new FlatBuffer(layout, ctx.pool, 'params', 'test');
    const values = new Map([
      ['w', Float32Array.from({ length: 15 }, (_, i) => i)],
      ['b', Float32Array.of(-1, -2, -3)],
    ]);
    writeTensor(ctx, flat.whole, flat.pack(values));
    expect(flat.view('b').offset % ctx.storageAlignment).toBe(0);
    expect(Array.from(await readTensor(ctx, flat.view('b')))).toEqual([-1, -2, -3]);
    expect(Array.from(flat.unpack(await readTensor(ctx, flat.whole)).get('w')!)).toEqual(Array.from(values.get('w')!));
    expect(() => flat.view('missing')).toThrow(/No tensor named "missing"/);
    expect(() => flat.pack(new Map([['w', values.get('w')!]]))).toThrow(/No values for b/);
    ctx.destroy();
  });

  it('reports device loss to the caller, and not for a deliberate destroy', async () => {
    const onDeviceLost = vi.fn();
    const ctx = await createGpuContext({ onDeviceLost });
    ctx.destroy();
    const lost = await ctx.lost;
    expect(lost).toBeInstanceOf(DeviceLostError);
    expect(lost.reason).toBe('destroyed');
    expect(lost.message).toMatch(/restart the run/);
    expect(onDeviceLost).not.toHaveBeenCalled();
  });

  it('says what is missing when the browser has no WebGPU', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, 'gpu')!;
    Object.defineProperty(Navigator.prototype, 'gpu', { configurable: true, get: () => undefined });
    try {
      const error = await createGpuContext().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebGpuUnavailableError);
      expect((error as WebGpuUnavailableError).reason).toBe('no-navigator-gpu');
      expect((error as Error).message).toMatch(/Chrome or Edge 113/);
    } finally {
      Object.defineProperty(Navigator.prototype, 'gpu', descriptor);
    }
  });

  it('says so when no adapter is found', async () => {
    vi.spyOn(navigator.gpu, 'requestAdapter').mockResolvedValue(null);
    const error = await createGpuContext().catch((e: unknown) => e);
    expect((error as WebGpuUnavailableError).reason).toBe('no-adapter');
    expect((error as Error).message).toMatch(/no GPU adapter was found/);
  });
});

describe('device counters', () => {
  it('count submits, buffer creations and read-backs', async () => {
    const ctx = await createGpuContext();
    const before = { ...ctx.counters };
    const tensor = ctx.pool.tensor('counted', [4], 'test');
    writeTensor(ctx, tensor, [1, 2, 3, 4]);
    expect(Array.from(await readTensor(ctx, tensor))).toEqual([1, 2, 3, 4]);
    // The pool's buffer and readTensor's staging buffer; one copy submitted; one map.
    expect(ctx.counters.bufferCreations - before.bufferCreations).toBe(2);
    expect(ctx.counters.submits - before.submits).toBe(1);
    expect(ctx.counters.readbacks - before.readbacks).toBe(1);
    ctx.destroy();
  });
});
