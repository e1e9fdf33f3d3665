import { afterAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../checkpoint/safetensors';
import { expectDatasetError } from '../../testing/data/dataset-errors';
import { prefixFor, server, testCache } from '../../testing/data/stream-browser-setup';
import { gpt1EmbeddingTensors, readGpt1Embeddings, readSafetensorsTensors, TENSOR_RANGE_CACHE_NAME } from './safetensors-range';

// In a page the fault server is another origin, so these reads go through CORS as a read from the Hub does.
const SHAPE = { vocabulary: 50, positions: 16, width: 8 };
const tokens = Float32Array.from({ length: 400 }, (_, i) => Math.cos(i) * 0.02);
const positions = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) * 0.01);

function fixtureFile(): Uint8Array {
  return encodeSafetensors({
    'tokens_embed.weight': { dtype: 'F32', shape: [50, 8], data: tokens },
    'positions_embed.weight': { dtype: 'F32', shape: [16, 8], data: positions },
    'h.0.mlp.c_fc.weight': { dtype: 'F32', shape: [8, 32], data: new Float32Array(256) },
  });
}

afterAll(async () => {
  await caches.delete(TENSOR_RANGE_CACHE_NAME);
});

describe('readGpt1Embeddings in a page', () => {
  it('reads the embeddings across origins, and a second run takes them from Cache Storage', async () => {
    const path = `${prefixFor('embeddings')}model.safetensors`;
    await server.put(path, fixtureFile());
    const { cache } = await testCache();
    const first = await readGpt1Embeddings(server.fileUrl(path), { shape: SHAPE, cache });
    expect(first.tokens).toEqual(tokens);
    expect(first.positions).toEqual(positions);
    expect(await server.requestCount(path)).toBe(2);
    const second = await readGpt1Embeddings(server.fileUrl(path), { shape: SHAPE, cache });
    expect(second.tokens).toEqual(tokens);
    expect(await server.requestCount(path)).toBe(3);
  });

  it('keeps ranges in its own Cache Storage cache unless told otherwise', async () => {
    const path = `${prefixFor('default-cache')}model.safetensors`;
    await server.put(path, fixtureFile());
    await caches.delete(TENSOR_RANGE_CACHE_NAME);
    await readSafetensorsTensors(server.fileUrl(path), gpt1EmbeddingTensors(SHAPE));
    expect(await caches.has(TENSOR_RANGE_CACHE_NAME)).toBe(true);
    expect((await (await caches.open(TENSOR_RANGE_CACHE_NAME)).keys()).length).toBe(1);
  });

  it('names CORS when the host sends no Access-Control-Allow-Origin', async () => {
    const path = `${prefixFor('no-cors')}model.safetensors`;
    await server.put(path, fixtureFile());
    await server.setFault(path, 'no-cors');
    await expectDatasetError(readGpt1Embeddings(server.fileUrl(path), { shape: SHAPE, cache: null }), 'network', [
      'No HTTP answer',
      'CORS',
      'Access-Control-Allow-Origin',
      '--embeddings FILE',
    ]);
  });

  it('says the host lacks range support when it answers with the whole file', async () => {
    const path = `${prefixFor('ignore-range')}model.safetensors`;
    await server.put(path, fixtureFile());
    await server.setFault(path, 'ignore-range');
    await expectDatasetError(readGpt1Embeddings(server.fileUrl(path), { shape: SHAPE, cache: null }), 'no-range', ['does not support HTTP range requests']);
  });

  it('reads a dropped File through Blob.slice', async () => {
    const file = new File([fixtureFile() as Uint8Array<ArrayBuffer>], 'model.safetensors');
    const embeddings = await readGpt1Embeddings(file, { shape: SHAPE });
    expect(embeddings.positions).toEqual(positions);
  });
});
