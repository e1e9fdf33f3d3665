import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeSafetensors, encodeSafetensors } from '../checkpoint/safetensors';
import { decodeModelCheckpoint, encodeModelCheckpoint } from './checkpoint';
import { initialParameters, parameterSpecs } from './parameters';
import { cnnSmall, resnetMini } from './presets';

describe('model checkpoints', () => {
  it('round-trips resnet-mini with running statistics and num_batches_tracked', () => {
    const graph = resnetMini();
    const values = initialParameters(graph, 5);
    values.get('bn1.running_mean')!.fill(0.25);
    const bytes = encodeModelCheckpoint(graph, { values, numBatchesTracked: 42 });
    const decoded = decodeModelCheckpoint(graph, bytes);
    expect(decoded.numBatchesTracked).toBe(42);
    expect(decoded.metadata.model).toBe('resnet-mini');
    for (const [name, data] of values) expect(Array.from(decoded.values.get(name)!), name).toEqual(Array.from(data));
    const raw = decodeSafetensors(bytes).tensors;
    expect(raw['layer2.0.downsample.1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    expect(raw['conv1.weight'].shape).toEqual([16, 3, 3, 3]);
  });

  it('refuses a checkpoint of another model, naming the tensors', () => {
    const bytes = encodeModelCheckpoint(cnnSmall(), { values: initialParameters(cnnSmall(), 1), numBatchesTracked: 0 });
    expect(() => decodeModelCheckpoint(resnetMini(), bytes)).toThrow(CheckpointError);
    expect(() => decodeModelCheckpoint(resnetMini(), bytes)).toThrow(/bn1\.weight/);
  });

  it('refuses a tensor of the wrong shape, saying which', () => {
    const graph = cnnSmall();
    const values = initialParameters(graph, 1);
    const tensors = Object.fromEntries(
      parameterSpecs(graph).map((spec) => [
        spec.name,
        { dtype: 'F32' as const, shape: spec.name === 'fc.weight' ? [20, 1024] : [...spec.shape], data: values.get(spec.name)! },
      ]),
    );
    const bytes = encodeSafetensors(tensors);
    let caught: unknown;
    try {
      decodeModelCheckpoint(graph, bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CheckpointError);
    expect((caught as CheckpointError).kind).toBe('shape');
    expect((caught as CheckpointError).message).toMatch(/fc\.weight/);
  });
});
