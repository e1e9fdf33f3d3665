// Errors the GPU runtime raises. Each message says what happened and what to do, because
// it is shown to the user as it is (in the page, in the worker's reply, on the command line).

export type WebGpuUnavailableReason = 'no-navigator-gpu' | 'no-adapter' | 'device-request-failed';

const HOW_TO_GET_WEBGPU =
  'Use Chrome or Edge 113 or newer on a page served over https or from localhost; ' +
  'on Linux, start Chrome with --enable-unsafe-webgpu (and --enable-features=Vulkan), ' +
  'or check chrome://gpu for "WebGPU: Hardware accelerated".';

export class WebGpuUnavailableError extends Error {
  constructor(
    readonly reason: WebGpuUnavailableReason,
    detail = '',
  ) {
    super(`${describeUnavailable(reason)}${detail ? ` (${detail})` : ''}. ${HOW_TO_GET_WEBGPU}`);
    this.name = 'WebGpuUnavailableError';
  }
}

function describeUnavailable(reason: WebGpuUnavailableReason): string {
  switch (reason) {
    case 'no-navigator-gpu':
      return 'WebGPU is not available in this browser (navigator.gpu is missing)';
    case 'no-adapter':
      return 'WebGPU is present but no GPU adapter was found';
    case 'device-request-failed':
      return 'The GPU adapter refused to create a device';
  }
}

export class DeviceLostError extends Error {
  constructor(
    readonly reason: GPUDeviceLostReason | 'unknown',
    readonly detail: string,
  ) {
    super(
      `The GPU device was lost (${reason}${detail ? `: ${detail}` : ''}). ` +
        'Metrics recorded so far are kept; restart the run, from its last checkpoint if it has one. ' +
        'If this repeats, close other GPU-heavy tabs or reduce the batch size.',
    );
    this.name = 'DeviceLostError';
  }
}

export class ShaderCompileError extends Error {
  constructor(
    readonly op: string,
    readonly compilerMessages: string,
  ) {
    super(`The WGSL shader of "${op}" failed to compile:\n${compilerMessages}`);
    this.name = 'ShaderCompileError';
  }
}

export class GpuValidationError extends Error {
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`WebGPU rejected "${op}": ${detail}`);
    this.name = 'GpuValidationError';
  }
}
