// Argument checks shared by the kernel launchers. They run while a plan is recorded, so a bad
// call fails at once with the op, the tensor's role and label, and what was expected, instead
// of as a WebGPU validation error at compile time or as silently wrong numbers.
import { BYTES_PER_ELEMENT, type GpuDtype, type GpuTensor } from '../gpu/tensor';

/** Tensors by their role in the op ("out", "dInp", ...); a null entry, an optional tensor not given, is skipped. */
export type Tensors = Readonly<Record<string, GpuTensor | null>>;

function given(tensors: Tensors): [string, GpuTensor][] {
  return Object.entries(tensors).filter((entry): entry is [string, GpuTensor] => entry[1] !== null);
}

export function expectPositiveIntegers(op: string, counts: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${value}`);
  }
}

/** Each tensor has `expected` elements; `formula` says where that number comes from, e.g. "N*C = 2*3". */
export function expectSizes(op: string, tensors: Tensors, expected: number, formula?: string): void {
  for (const [name, tensor] of given(tensors)) {
    if (tensor.size !== expected) {
      const why = formula === undefined ? '' : ` (${formula})`;
      throw new Error(`${op}: ${name} "${tensor.label}" has ${tensor.size} elements, expected ${expected}${why}`);
    }
  }
}

export function expectDtypes(op: string, tensors: Tensors, dtype: GpuDtype): void {
  for (const [name, tensor] of given(tensors)) {
    if (tensor.dtype !== dtype) throw new Error(`${op}: ${name} "${tensor.label}" has dtype ${tensor.dtype}, expected ${dtype}`);
  }
}

function overlaps(x: GpuTensor, y: GpuTensor): boolean {
  return x.buffer === y.buffer && x.offset < y.offset + y.size * BYTES_PER_ELEMENT && y.offset < x.offset + x.size * BYTES_PER_ELEMENT;
}

/**
 * Call once per dispatch, with the tensors it binds writable and read-only. WebGPU rejects a
 * dispatch that binds one buffer both ways, whatever the ranges, so a written tensor may share
 * no buffer with a read one. Written tensors may share a buffer (views of one flat gradient
 * buffer) but must not overlap, or the dispatch would write the same elements twice;
 * `overlapHint` is added to that message.
 */
export function expectNoAliasing(op: string, written: Tensors, read: Tensors, overlapHint?: string): void {
  const writes = given(written);
  const reads = given(read);
  for (const [writeName, w] of writes) {
    for (const [readName, r] of reads) {
      if (w.buffer === r.buffer) {
        throw new Error(`${op}: ${writeName} "${w.label}" and ${readName} "${r.label}" share a GPU buffer; a dispatch cannot read and write one buffer`);
      }
    }
  }
  writes.forEach(([nameA, a], i) => {
    for (const [nameB, b] of writes.slice(i + 1)) {
      if (overlaps(a, b)) {
        const hint = overlapHint === undefined ? '' : `; ${overlapHint}`;
        throw new Error(`${op}: ${nameA} "${a.label}" and ${nameB} "${b.label}" overlap, so a dispatch would write the same elements twice${hint}`);
      }
    }
  });
}
