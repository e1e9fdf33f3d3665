import type { GpuContext } from './context';
import { BYTES_PER_ELEMENT, type GpuTensor } from './tensor';

/** Uploads values (converted to float32, or uint32 for u32 tensors) into a tensor. */
export function writeTensor(ctx: GpuContext, tensor: GpuTensor, values: ArrayLike<number>): void {
  if (values.length !== tensor.size) {
    throw new Error(`Writing ${values.length} values into "${tensor.label}" of ${tensor.size} elements`);
  }
  // A batch arrives every step already in the tensor's type: write it as it is, without a copy.
  const data =
    tensor.dtype === 'u32'
      ? values instanceof Uint32Array
        ? values
        : Uint32Array.from(values)
      : values instanceof Float32Array
        ? values
        : Float32Array.from(values);
  ctx.device.queue.writeBuffer(tensor.buffer, tensor.offset, data as Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>);
}

/**
 * Copies a tensor back to the CPU. It makes a staging buffer each call, so it is for tests,
 * checkpoints and start-up; the training step reads metrics through buffers it keeps.
 */
export async function readTensor(ctx: GpuContext, tensor: GpuTensor): Promise<Float32Array> {
  const bytes = await readBytes(ctx, tensor);
  return new Float32Array(bytes);
}

export async function readTensorU32(ctx: GpuContext, tensor: GpuTensor): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(ctx, tensor));
}

async function readBytes(ctx: GpuContext, tensor: GpuTensor): Promise<ArrayBuffer> {
  const byteSize = tensor.size * BYTES_PER_ELEMENT;
  const staging = ctx.device.createBuffer({
    label: `${tensor.label}:readback`,
    size: byteSize,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = ctx.device.createCommandEncoder({ label: `${tensor.label}:readback` });
  encoder.copyBufferToBuffer(tensor.buffer, tensor.offset, staging, 0, byteSize);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return copy;
}
