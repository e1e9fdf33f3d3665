import { BYTES_PER_ELEMENT, elementCount, tensorView, type GpuDtype, type GpuTensor } from './tensor';

export const STORAGE_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/**
 * Creates and recycles GPU buffers, and keeps the books: how many bytes each owner (a model,
 * an optimizer, a run) holds, and how many buffers were ever created, so a training step can
 * be checked to create none after warm-up.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly ownerOf = new Map<GPUBuffer, string>();
  private readonly bytesByOwner = new Map<string, number>();
  /** Buffers created since the pool was made; a step that raises it allocated. */
  creations = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(label: string, byteSize: number, owner: string, usage = STORAGE_USAGE): GPUBuffer {
    // WebGPU bindings need sizes in multiples of 4; keep 16 for uniform-compatible sizes.
    const size = Math.max(16, Math.ceil(byteSize / 16) * 16);
    const key = `${usage}:${size}`;
    const buffer = this.free.get(key)?.pop() ?? this.create(label, size, usage);
    this.ownerOf.set(buffer, owner);
    this.bytesByOwner.set(owner, (this.bytesByOwner.get(owner) ?? 0) + size);
    return buffer;
  }

  tensor(label: string, shape: readonly number[], owner: string, dtype: GpuDtype = 'f32'): GpuTensor {
    const buffer = this.acquire(label, elementCount(shape) * BYTES_PER_ELEMENT, owner);
    return tensorView(buffer, shape, { dtype, label });
  }

  release(buffer: GPUBuffer): void {
    const owner = this.ownerOf.get(buffer);
    if (owner === undefined) throw new Error(`Buffer "${buffer.label}" does not belong to this pool`);
    this.ownerOf.delete(buffer);
    this.bytesByOwner.set(owner, (this.bytesByOwner.get(owner) ?? 0) - buffer.size);
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
  }

  /** Releases every buffer an owner holds (a run that ends, a model that is rebuilt). */
  releaseOwner(owner: string): void {
    for (const [buffer, holder] of [...this.ownerOf]) if (holder === owner) this.release(buffer);
  }

  bytesHeldBy(owner: string): number {
    return this.bytesByOwner.get(owner) ?? 0;
  }

  owners(): ReadonlyMap<string, number> {
    return this.bytesByOwner;
  }

  /** Frees recycled buffers back to the driver. */
  trim(): void {
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.free.clear();
  }

  private create(label: string, size: number, usage: number): GPUBuffer {
    this.creations++;
    return this.device.createBuffer({ label, size, usage });
  }
}
