// GPU time of a series of compute passes from timestamp queries: each timed pass writes its
// begin and end into a ring of query pairs; a read resolves the pairs written since the last
// read into a staging buffer in the same command buffer as the last pass, and maps it after
// that submit. Its buffers and query set are made once, so timing a pass allocates nothing.

import type { BufferPool } from './buffer-pool';

/** A query set holds at most 4096 queries (the spec's bound), two per pass. */
export const MAX_TIMED_PASSES = 2048;

/**
 * Milliseconds between the begin and end timestamps (nanoseconds) of pass `pass` in resolved
 * query pairs; 0 when the pair is unordered, as an adapter without a real timer may leave it.
 */
export function passMs(ticks: BigUint64Array, pass: number): number {
  const begin = ticks[2 * pass];
  const end = ticks[2 * pass + 1];
  return end > begin ? Number(end - begin) / 1e6 : 0;
}

export class PassTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolved: GPUBuffer;
  private readonly staging: GPUBuffer;
  /** The pass descriptors' timestampWrites, one per slot, made once. */
  private readonly writes: GPUComputePassTimestampWrites[];
  private used = 0;
  private staged = 0;

  /**
   * Times up to `capacity` passes between reads; passes beyond that until the next read go
   * untimed. `owner` labels the buffers, which the pool counts against it.
   */
  constructor(
    device: GPUDevice,
    private readonly pool: BufferPool,
    readonly owner: string,
    readonly capacity: number,
  ) {
    if (!device.features.has('timestamp-query')) throw new Error(`${owner}: timing passes needs a device with the timestamp-query feature`);
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_TIMED_PASSES) {
      throw new Error(`${owner}: a pass timer holds 1 to ${MAX_TIMED_PASSES} passes, not ${capacity}`);
    }
    this.querySet = device.createQuerySet({ label: `${owner}:pass-times`, type: 'timestamp', count: 2 * capacity });
    const bytes = 16 * capacity;
    this.resolved = pool.acquire(`${owner}:pass-times`, bytes, owner, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC);
    this.staging = pool.acquire(`${owner}:pass-times-readback`, bytes, owner, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    this.writes = Array.from({ length: capacity }, (_, slot) => ({
      querySet: this.querySet,
      beginningOfPassWriteIndex: 2 * slot,
      endOfPassWriteIndex: 2 * slot + 1,
    }));
  }

  /** The timestampWrites of the next pass, or undefined once the ring is full until the next read. */
  nextPass(): GPUComputePassTimestampWrites | undefined {
    return this.used < this.capacity ? this.writes[this.used++] : undefined;
  }

  /** Resolves the passes timed since the last read and copies them for read(); encode after the last of them. */
  stage(encoder: GPUCommandEncoder): void {
    this.staged = this.used;
    this.used = 0;
    if (this.staged === 0) return;
    encoder.resolveQuerySet(this.querySet, 0, 2 * this.staged, this.resolved, 0);
    encoder.copyBufferToBuffer(this.resolved, 0, this.staging, 0, 16 * this.staged);
  }

  /** Milliseconds of each pass staged by the last stage(), in order; call once that command buffer is submitted. */
  async read(): Promise<number[]> {
    const count = this.staged;
    this.staged = 0;
    if (count === 0) return [];
    await this.staging.mapAsync(GPUMapMode.READ, 0, 16 * count);
    try {
      const ticks = new BigUint64Array(this.staging.getMappedRange(0, 16 * count));
      return Array.from({ length: count }, (_, pass) => passMs(ticks, pass));
    } finally {
      this.staging.unmap();
    }
  }

  destroy(): void {
    this.querySet.destroy();
    this.pool.release(this.resolved);
    this.pool.release(this.staging);
  }
}
