import { BufferPool } from './buffer-pool';
import { DeviceLostError, WebGpuUnavailableError } from './errors';
import { PipelineCache } from './pipeline-cache';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
}

/** What the device has been asked to do, for the bench and for tests of the training step. */
export interface GpuCounters {
  submits: number;
  /** Every GPUBuffer created on the device, by the pool or not. */
  bufferCreations: number;
  /** Buffers mapped for reading (values copied back to the CPU). */
  readbacks: number;
}

/** Everything the engine needs from WebGPU, made once per device. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  /** Byte alignment of storage-buffer binding offsets (flat buffers align views to it). */
  readonly storageAlignment: number;
  readonly counters: GpuCounters;
  /** Resolves when the device is lost; a deliberate `destroy()` resolves with reason "destroyed". */
  readonly lost: Promise<DeviceLostError>;
  destroy(): void;
}

export interface GpuContextOptions {
  powerPreference?: GPUPowerPreference;
  debugWgsl?: boolean;
  /**
   * Ask for the adapter's `timestamp-query` feature when it has it (the default): training
   * times each step's pass with it (RunStepTimes) and profiles time each dispatch (StepRecorder).
   * Without it, steps are timed between completions and profiles op by op.
   */
  timestampQuery?: boolean;
  /** Called once if the device is lost for any reason other than `destroy()`. */
  onDeviceLost?: (error: DeviceLostError) => void;
  /** Called for validation or out-of-memory errors that no error scope caught. */
  onUncapturedError?: (message: string) => void;
}

export async function createGpuContext(options: GpuContextOptions = {}): Promise<GpuContext> {
  const gpu = typeof navigator === 'undefined' ? undefined : navigator.gpu;
  if (!gpu) {
    const insecure = typeof isSecureContext !== 'undefined' && !isSecureContext;
    throw new WebGpuUnavailableError('no-navigator-gpu', insecure ? 'the page is not a secure context' : '');
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGpuUnavailableError('no-adapter');

  // Ask for the adapter's maxima on the limits that bound model size and kernel tiling.
  const wanted: (keyof GPUSupportedLimits)[] = [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupStorageSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const name of wanted) requiredLimits[name] = adapter.limits[name] as number;

  let device: GPUDevice;
  try {
    const requiredFeatures: GPUFeatureName[] = (options.timestampQuery ?? true) && adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    device = await adapter.requestDevice({ label: 'playground', requiredLimits, requiredFeatures });
  } catch (error) {
    throw new WebGpuUnavailableError('device-request-failed', error instanceof Error ? error.message : String(error));
  }

  const lost = device.lost.then((info) => {
    const error = new DeviceLostError(info.reason ?? 'unknown', info.message);
    if (info.reason !== 'destroyed') options.onDeviceLost?.(error);
    return error;
  });
  device.addEventListener('uncapturederror', (event) => {
    const message = (event as GPUUncapturedErrorEvent).error.message;
    if (options.onUncapturedError) options.onUncapturedError(message);
    else console.error(`[webgpu] ${message}`);
  });

  const counters = countDeviceWork(device);
  const info = adapter.info;
  return {
    device,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: info.isFallbackAdapter ?? false,
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    },
    pipelines: new PipelineCache(device, { debugWgsl: options.debugWgsl }),
    pool: new BufferPool(device),
    storageAlignment: device.limits.minStorageBufferOffsetAlignment,
    counters,
    lost,
    destroy: () => device.destroy(),
  };
}

/** Wraps the device's submit, createBuffer and buffers' mapAsync with counters. */
function countDeviceWork(device: GPUDevice): GpuCounters {
  const counters: GpuCounters = { submits: 0, bufferCreations: 0, readbacks: 0 };
  const submit = device.queue.submit.bind(device.queue);
  device.queue.submit = (buffers) => {
    counters.submits++;
    submit(buffers);
  };
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor) => {
    counters.bufferCreations++;
    const buffer = createBuffer(descriptor);
    if (descriptor.usage & GPUBufferUsage.MAP_READ) {
      const mapAsync = buffer.mapAsync.bind(buffer);
      buffer.mapAsync = (mode, offset, size) => {
        counters.readbacks++;
        return mapAsync(mode, offset, size);
      };
    }
    return buffer;
  };
  return counters;
}

export function describeAdapter(adapter: AdapterSummary): string {
  const name = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ');
  return `${name || 'unknown adapter'}${adapter.isFallbackAdapter ? ' (software fallback)' : ''}`;
}
