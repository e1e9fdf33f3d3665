import type { GpuContext } from './context';
import { BYTES_PER_ELEMENT, type GpuTensor } from './tensor';

/**
 * Reads one tensor back again and again through a staging buffer made once, for values that
 * go on screen repeatedly (readTensor makes a staging buffer per call).
 */
export class KeptReadback {
  private readonly staging: GPUBuffer;
  private readonly bytes: number;
  /** Whether `stage` copied the tensor in a command buffer since the last read. */
  private staged = false;

  constructor(
    private readonly ctx: GpuContext,
    private readonly tensor: GpuTensor,
    owner: string,
  ) {
    this.bytes = tensor.size * BYTES_PER_ELEMENT;
    this.staging = ctx.pool.acquire(`${tensor.label}:kept-readback`, this.bytes, owner, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
  }

  async read(): Promise<Float32Array> {
    return new Float32Array(await this.readBytes());
  }

  /** The same words as unsigned integers: an optimizer's status flags. */
  async readU32(): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes());
  }

  /** Copies the tensor in a command buffer of the caller's (a training step's), so the next read submits nothing. */
  stage(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.tensor.buffer, this.tensor.offset, this.staging, 0, this.bytes);
    this.staged = true;
  }

  private async readBytes(): Promise<ArrayBuffer> {
    if (!this.staged) {
      const encoder = this.ctx.device.createCommandEncoder({ label: `${this.tensor.label}:readback` });
      this.stage(encoder);
      this.ctx.device.queue.submit([encoder.finish()]);
    }
    this.staged = false;
    await this.staging.mapAsync(GPUMapMode.READ);
    const bytes = this.staging.getMappedRange(0, this.bytes).slice(0);
    this.staging.unmap();
    return bytes;
  }
}
