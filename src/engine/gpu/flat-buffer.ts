import type { BufferPool } from './buffer-pool';
import { BYTES_PER_ELEMENT, elementCount, tensorView, type GpuTensor } from './tensor';

export interface FlatEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface FlatLayout {
  readonly entries: readonly (FlatEntry & { readonly offset: number; readonly size: number })[];
  /** Total elements, padding included. */
  readonly totalElements: number;
}

/**
 * Places tensors one after another with each start aligned to the device's storage-offset
 * alignment (256 bytes on most adapters), so every entry can be bound on its own while the
 * whole set stays one buffer that a checkpoint, an optimizer or a landscape probe copies at once.
 */
export function flatLayout(entries: readonly FlatEntry[], alignmentBytes: number): FlatLayout {
  const alignElements = alignmentBytes / BYTES_PER_ELEMENT;
  let cursor = 0;
  const placed = entries.map((entry) => {
    const offset = Math.ceil(cursor / alignElements) * alignElements;
    const size = elementCount(entry.shape);
    cursor = offset + size;
    return { ...entry, offset, size };
  });
  return { entries: placed, totalElements: Math.ceil(cursor / alignElements) * alignElements };
}

/** One GPU buffer holding every tensor of a layout, with a view per entry. */
export class FlatBuffer {
  readonly buffer: GPUBuffer;
  readonly whole: GpuTensor;
  private readonly views = new Map<string, GpuTensor>();

  constructor(
    readonly layout: FlatLayout,
    pool: BufferPool,
    label: string,
    owner: string,
  ) {
    this.buffer = pool.acquire(label, Math.max(1, layout.totalElements) * BYTES_PER_ELEMENT, owner);
    this.whole = tensorView(this.buffer, [layout.totalElements], { label });
    for (const entry of layout.entries) {
      this.views.set(entry.name, tensorView(this.buffer, entry.shape, { offset: entry.offset * BYTES_PER_ELEMENT, label: `${label}:${entry.name}` }));
    }
  }

  view(name: string): GpuTensor {
    const view = this.views.get(name);
    if (!view) throw new Error(`No tensor named "${name}" in ${this.buffer.label}`);
    return view;
  }

  /** Packs per-entry values into the padded flat layout (what `writeBuffer` uploads). */
  pack(values: ReadonlyMap<string, ArrayLike<number>>): Float32Array<ArrayBuffer> {
    const flat = new Float32Array(this.layout.totalElements);
    const missing = this.layout.entries.filter((entry) => !values.has(entry.name)).map((entry) => entry.name);
    if (missing.length) throw new Error(`No values for ${missing.join(', ')} in ${this.buffer.label}`);
    for (const entry of this.layout.entries) {
      const data = values.get(entry.name)!;
      if (data.length !== entry.size) throw new Error(`"${entry.name}" has ${data.length} values, expected ${entry.size}`);
      flat.set(data, entry.offset);
    }
    return flat;
  }

  /** Splits a read-back of the whole buffer into per-entry arrays. */
  unpack(flat: Float32Array): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const entry of this.layout.entries) out.set(entry.name, flat.slice(entry.offset, entry.offset + entry.size));
    return out;
  }
}
