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

/** Everything the engine needs from WebGPU, made once per device. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  /** Byte alignment of storage-buffer binding offsets (flat buffers align views to it). */
  readonly storageAlignment: number;
  /** Resolves when the device is lost; a deliberate `destroy()` resolves with reason "destroyed". */
  readonly lost: Promise<DeviceLostError>;
  destroy(): void;
}

export interface GpuContextOptions {
  powerPreference?: GPUPowerPreference;
  debugWgsl?: boolean;
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
    device = await adapter.requestDevice({ label: 'playground', requiredLimits });
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
    lost,
    destroy: () => device.destroy(),
  };
}

export function describeAdapter(adapter: AdapterSummary): string {
  const name = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ');
  return `${name || 'unknown adapter'}${adapter.isFallbackAdapter ? ' (software fallback)' : ''}`;
}
