import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  decodeCheckpoint,
  declaredHeaderLength,
  decodeSafetensors,
  encodeSafetensors,
  findExpectedTensors,
  parseSafetensorsHeader,
  tensorFromBytes,
  type CheckpointErrorKind,
  type ExpectedTensor,
  type TensorEntry,
} from './safetensors';

// Files are built by hand, independently of the encoder: length field, header text, data.
function buildFile(header: string, data: Uint8Array = new Uint8Array(), declaredLength?: number): Uint8Array {
  const headerBytes = new TextEncoder().encode(header);
  const file = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(declaredLength ?? headerBytes.length), true);
  file.set(headerBytes, 8);
  file.set(data, 8 + headerBytes.length);
  return file;
}

/** One header entry as compact JSON: "w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]} */
function info(name: string, dtype: string, shape: number[], offsets: [number, number]): string {
  const fields = `"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${offsets.join(',')}]`;
  return `"${name}":{${fields}}`;
}

function header(...entries: string[]): string {
  return `{${entries.join(',')}}`;
}

function float32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytes;
}

function uint16Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint16(i * 2, value, true));
  return bytes;
}

function headerText(file: Uint8Array): string {
  const length = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(file.subarray(8, 8 + length));
}

function expectCheckpointError(run: () => unknown, kind: CheckpointErrorKind, ...mentions: string[]): CheckpointError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  const error = caught as CheckpointError;
  expect(error.kind).toBe(kind);
  for (const text of mentions) expect(error.message).toContain(text);
  return error;
}

const BIG_STEP = 9007199254740993n; // 2^53 + 1: not representable as a double

function sampleTensors(): Record<string, TensorEntry> {
  return {
    'fc1.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.of(0.5, -1, 2, 3.25, -4.5, 1e-7) },
    'fc1.bias': { dtype: 'F32', shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) },
    'fc2.weight': { dtype: 'F32', shape: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
    'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: BigInt64Array.of(BIG_STEP) },
    'bn.running_var': { dtype: 'F64', shape: [2], data: Float64Array.of(Math.PI, -1 / 3) },
    labels: { dtype: 'I32', shape: [4], data: Int32Array.of(-2147483648, -1, 0, 2147483647) },
    mask: { dtype: 'U8', shape: [5], data: Uint8Array.of(0, 1, 127, 128, 255) },
  };
}

describe('encodeSafetensors / decodeSafetensors round trip', () => {
  it('gives back every tensor with its dtype, shape, values and the metadata', () => {
    const tensors = sampleTensors();
    const decoded = decodeSafetensors(encodeSafetensors(tensors, { format: 'pt', step: '120' }));
    expect(decoded.metadata).toEqual({ format: 'pt', step: '120' });
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, entry] of Object.entries(tensors)) {
      const got = decoded.tensors[name];
      expect(got.dtype, name).toBe(entry.dtype);
      expect(got.shape, name).toEqual(entry.shape);
      expect(got.data.constructor, name).toBe(entry.data.constructor);
      expect(got.data, name).toEqual(entry.data);
    }
    expect(decoded.tensors['bn.num_batches_tracked'].data[0]).toBe(BIG_STEP);
  });

  it('decodes from an ArrayBuffer and from a view that starts at an odd, unaligned offset', () => {
    const file = encodeSafetensors(sampleTensors());
    const holder = new Uint8Array(file.length + 3);
    holder.set(file, 3);
    for (const input of [file.buffer, holder.subarray(3)]) {
      const { tensors } = decodeSafetensors(input);
      expect(tensors['bn.running_var'].data).toEqual(Float64Array.of(Math.PI, -1 / 3));
      expect(tensors['bn.num_batches_tracked'].data).toEqual(BigInt64Array.of(BIG_STEP));
    }
  });

  it('copies data out so later writes to the file bytes do not change decoded tensors', () => {
    const file = encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    const decoded = decodeSafetensors(file);
    file.fill(0, file.length - 4);
    expect(decoded.tensors.w.data).toEqual(Float32Array.of(1));
    expect(decoded.tensors.w.data.buffer).not.toBe(file.buffer);
  });

  it('encodes a typed array that views part of a larger buffer using only its own elements', () => {
    const backing = Float32Array.of(9, 1, 2, 9);
    const file = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: backing.subarray(1, 3) } });
    expect(decodeSafetensors(file).tensors.w.data).toEqual(Float32Array.of(1, 2));
  });

  it('round trips an empty tensor and a file with no tensors', () => {
    const empty = { dtype: 'F32' as const, shape: [0, 3], data: new Float32Array(0) };
    const decoded = decodeSafetensors(encodeSafetensors({ empty }));
    expect(decoded.tensors.empty.shape).toEqual([0, 3]);
    expect(decoded.tensors.empty.data).toHaveLength(0);
    expect(decodeSafetensors(encodeSafetensors({}))).toEqual({ tensors: {}, metadata: {} });
  });

  it('keeps tensors named like Object.prototype members', () => {
    const text = header(info('__proto__', 'U8', [1], [0, 1]), info('constructor', 'U8', [1], [1, 2]));
    const decoded = decodeSafetensors(buildFile(text, Uint8Array.of(5, 6)));
    expect(Object.getPrototypeOf(decoded.tensors)).toBe(Object.prototype);
    expect(Object.keys(decoded.tensors)).toEqual(['__proto__', 'constructor']);
    const file = encodeSafetensors(decoded.tensors);
    expect(decodeSafetensors(file)).toEqual(decoded);
    const model: ExpectedTensor[] = [
      { name: '__proto__', shape: [1], dtype: 'U8' },
      { name: 'constructor', shape: [1], dtype: 'U8' },
    ];
    expect(Object.keys(decodeCheckpoint(file, model).tensors)).toEqual(['__proto__', 'constructor']);
  });
});

describe('encodeSafetensors byte layout', () => {
  it('matches a hand-built file: length field, compact JSON, space padding, LE data', () => {
    const values = [0, 1, 2, 3, 4, 5];
    const data = Float32Array.from(values);
    const file = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data } });
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(65);
    expect(Array.from(file.subarray(0, 8))).toEqual([72, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(file.subarray(8 + 65, 8 + 72))).toEqual(Array(7).fill(0x20));
    expect(Array.from(file.subarray(80, 88))).toEqual([0, 0, 0, 0, 0, 0, 0x80, 0x3f]);
    expect(file).toEqual(buildFile(json + ' '.repeat(7), float32Bytes(values)));
  });

  it('pads an empty file and a metadata-only file like the reference writer', () => {
    expect(encodeSafetensors({})).toEqual(buildFile('{}      '));
    expect(encodeSafetensors({}, { framework: 'pt' })).toEqual(buildFile('{"__metadata__":{"framework":"pt"}}     '));
  });

  it('writes no padding when the JSON already ends on an 8-byte boundary', () => {
    const json = '{"wwww":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}';
    expect(json.length).toBe(56);
    const data = Uint8Array.of(1, 2, 3);
    const file = encodeSafetensors({ wwww: { dtype: 'U8', shape: [3], data } });
    expect(file).toEqual(buildFile(json, data));
  });

  it('writes a scalar with shape [] and 8 little-endian bytes', () => {
    const file = encodeSafetensors({ n: { dtype: 'I64', shape: [], data: BigInt64Array.of(-2n) } });
    expect(headerText(file).trimEnd()).toBe(header(info('n', 'I64', [], [0, 8])));
    expect(Array.from(file.subarray(-8))).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it('starts the data section on an 8-byte boundary for any name length', () => {
    for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
      const data = Float64Array.of(1);
      const file = encodeSafetensors({ [name]: { dtype: 'F64', shape: [1], data } });
      const length = Number(new DataView(file.buffer).getBigUint64(0, true));
      expect(length % 8, name).toBe(0);
      expect(headerText(file), name).toMatch(/^\{.*\} *$/);
      expect(file.length - 8 - length).toBe(8);
    }
  });

  it('orders tensors like the reference writer: dtype rank descending, then name', () => {
    const file = encodeSafetensors({
      b: { dtype: 'F32', shape: [1], data: Float32Array.of(2) },
      a: { dtype: 'F32', shape: [1], data: Float32Array.of(1) },
      u: { dtype: 'U8', shape: [2], data: Uint8Array.of(7, 8) },
      i: { dtype: 'I32', shape: [1], data: Int32Array.of(3) },
      y: { dtype: 'F64', shape: [1], data: Float64Array.of(4) },
      z: { dtype: 'I64', shape: [], data: BigInt64Array.of(5n) },
      h: { dtype: 'F16', shape: [1], data: Uint16Array.of(0x3c00) },
    });
    const parsed = JSON.parse(headerText(file)) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(parsed)).toEqual(['z', 'y', 'a', 'b', 'i', 'h', 'u']);
    expect(Object.values(parsed).map((entry) => entry.data_offsets)).toEqual([
      [0, 8],
      [8, 16],
      [16, 20],
      [20, 24],
      [24, 28],
      [28, 30],
      [30, 32],
    ]);
  });

  it('puts __metadata__ first and escapes names as JSON strings', () => {
    const tensors = { 'a"b\\c': { dtype: 'U8' as const, shape: [1], data: Uint8Array.of(1) } };
    const file = encodeSafetensors(tensors, { note: 'ü "q"' });
    expect(headerText(file).trimEnd()).toBe('{"__metadata__":{"note":"ü \\"q\\""},"a\\"b\\\\c":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}');
    expect(decodeSafetensors(file).metadata).toEqual({ note: 'ü "q"' });
  });
});

describe('encodeSafetensors refuses inconsistent tensors', () => {
  it('refuses data whose length does not match the shape', () => {
    const weight = { dtype: 'F32' as const, shape: [2, 2], data: new Float32Array(3) };
    expectCheckpointError(() => encodeSafetensors({ 'fc.weight': weight }), 'shape', 'fc.weight', '[2, 2]');
  });

  it('refuses a typed array that does not fit the dtype', () => {
    const bias = { dtype: 'F64' as const, shape: [2], data: new Float32Array(2) };
    expectCheckpointError(() => encodeSafetensors({ 'fc.bias': bias }), 'dtype', 'fc.bias', 'Float64Array');
  });

  it('refuses a tensor named __metadata__', () => {
    const entry = { dtype: 'U8' as const, shape: [1], data: Uint8Array.of(1) };
    expectCheckpointError(() => encodeSafetensors({ __metadata__: entry }), 'name', '__metadata__');
  });
});

describe('decodeSafetensors refuses malformed files', () => {
  const fourFloats = float32Bytes([1, 2, 3, 4]);
  const w2x2 = header(info('w', 'F32', [2, 2], [0, 16]));

  it('accepts the hand-built file the cases below corrupt', () => {
    const { tensors } = decodeSafetensors(buildFile(w2x2, fourFloats));
    expect(tensors.w).toEqual({ dtype: 'F32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
  });

  it('refuses a file shorter than the 8-byte length field', () => {
    expectCheckpointError(() => decodeSafetensors(new Uint8Array(5)), 'header-length', '5 bytes');
  });

  it('refuses a header length larger than the file', () => {
    expectCheckpointError(() => decodeSafetensors(buildFile(w2x2, fourFloats, 4096)), 'header-length', '4096', 'truncated');
  });

  it('refuses an absurd header length above 100 MB', () => {
    const file = new Uint8Array(16);
    new DataView(file.buffer).setBigUint64(0, 0xffff_ffff_ffffn, true);
    expectCheckpointError(() => decodeSafetensors(file), 'header-length', '100 MB');
  });

  it('refuses a header that is not UTF-8', () => {
    const file = buildFile('{}      ');
    file[9] = 0xff;
    expectCheckpointError(() => decodeSafetensors(file), 'header-json', 'UTF-8');
  });

  it('refuses a header that is not JSON', () => {
    const file = buildFile('{"w": {"dtype": ');
    expectCheckpointError(() => decodeSafetensors(file), 'header-json', 'not valid JSON');
  });

  it('refuses a JSON header that is not an object', () => {
    const file = buildFile('[1, 2, 3]');
    expectCheckpointError(() => decodeSafetensors(file), 'header-json', 'top level');
  });

  it('refuses an entry missing data_offsets, naming the zod issue path', () => {
    const file = buildFile('{"layer.bias":{"dtype":"F32","shape":[1]}}');
    const error = expectCheckpointError(() => decodeSafetensors(file), 'header-json', '"layer.bias".data_offsets');
    expect(error.tensorName).toBe('layer.bias');
  });

  it('refuses a negative dimension, naming its index', () => {
    const file = buildFile(header(info('w', 'F32', [2, -1], [0, 0])));
    expectCheckpointError(() => decodeSafetensors(file), 'header-json', '"w".shape[1]');
  });

  it('refuses non-string metadata values', () => {
    const file = buildFile('{"__metadata__":{"epoch":3}}');
    expectCheckpointError(() => decodeSafetensors(file), 'header-json', '"__metadata__".epoch');
  });

  it('refuses an unknown dtype, naming the tensor', () => {
    const file = buildFile(header(info('emb.weight', 'Q4', [4], [0, 2])), new Uint8Array(2));
    expectCheckpointError(() => decodeSafetensors(file), 'dtype', 'emb.weight', '"Q4"');
  });

  it('refuses data_offsets that do not match shape times dtype size', () => {
    const file = buildFile(header(info('w', 'F32', [2, 2], [0, 12])), fourFloats.subarray(0, 12));
    expectCheckpointError(() => decodeSafetensors(file), 'offsets', '"w"', '16 bytes');
  });

  it('refuses overlapping tensors', () => {
    const text = header(info('a', 'F32', [2], [0, 8]), info('b', 'F32', [2], [4, 12]));
    const file = buildFile(text, new Uint8Array(12));
    expectCheckpointError(() => decodeSafetensors(file), 'offsets', '"b"', 'overlaps');
  });

  it('refuses a gap between tensors', () => {
    const text = header(info('a', 'F32', [1], [0, 4]), info('b', 'F32', [1], [8, 12]));
    const file = buildFile(text, new Uint8Array(12));
    expectCheckpointError(() => decodeSafetensors(file), 'offsets', '"b"', 'gap');
  });

  it('refuses a first tensor that does not start at offset 0', () => {
    const file = buildFile(header(info('a', 'F32', [1], [4, 8])), new Uint8Array(8));
    expectCheckpointError(() => decodeSafetensors(file), 'offsets', '"a"');
  });

  it('refuses data bytes that belong to no tensor', () => {
    const withTrailing = new Uint8Array(20);
    withTrailing.set(fourFloats);
    expectCheckpointError(() => decodeSafetensors(buildFile(w2x2, withTrailing)), 'offsets', '4 bytes belong to no tensor');
  });

  it('refuses a truncated data section, naming the tensor', () => {
    const text = header(info('a', 'F32', [1], [0, 4]), info('fc2.weight', 'F32', [4], [4, 20]));
    const error = expectCheckpointError(() => decodeSafetensors(buildFile(text, new Uint8Array(10))), 'truncated', 'fc2.weight', '10 bytes');
    expect(error.tensorName).toBe('fc2.weight');
  });

  it('accepts tensors listed in any order in the header (older writers sorted by name)', () => {
    const text = header(info('z', 'F32', [1], [4, 8]), info('a', 'F32', [1], [0, 4]));
    const { tensors } = decodeSafetensors(buildFile(text, float32Bytes([1, 2])));
    expect(tensors.a.data).toEqual(Float32Array.of(1));
    expect(tensors.z.data).toEqual(Float32Array.of(2));
  });
});

describe('decodeCheckpoint', () => {
  const model: ExpectedTensor[] = [
    { name: 'fc1.weight', shape: [2, 3], dtype: 'F32' },
    { name: 'fc1.bias', shape: [3], dtype: 'F32' },
    { name: 'bn.num_batches_tracked', shape: [], dtype: 'I64' },
  ];

  function checkpoint(overrides: Record<string, TensorEntry | undefined> = {}): Uint8Array {
    const tensors: Record<string, TensorEntry> = {
      'fc1.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      'fc1.bias': { dtype: 'F32', shape: [3], data: Float32Array.of(7, 8, 9) },
      'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: BigInt64Array.of(42n) },
    };
    for (const [name, entry] of Object.entries(overrides)) {
      if (entry) tensors[name] = entry;
      else delete tensors[name];
    }
    return encodeSafetensors(tensors, { source: 'test' });
  }

  it('returns the tensors in the model order when everything matches', () => {
    const { tensors, metadata } = decodeCheckpoint(checkpoint(), model);
    expect(Object.keys(tensors)).toEqual(model.map((tensor) => tensor.name));
    expect(tensors['fc1.bias'].data).toEqual(Float32Array.of(7, 8, 9));
    expect(tensors['bn.num_batches_tracked'].data).toEqual(BigInt64Array.of(42n));
    expect(metadata).toEqual({ source: 'test' });
  });

  it('refuses a missing tensor, listing its name', () => {
    const file = checkpoint({ 'fc1.bias': undefined });
    expectCheckpointError(() => decodeCheckpoint(file, model), 'name', 'missing', 'fc1.bias');
  });

  it('refuses extra tensors, listing their names', () => {
    const extra = { dtype: 'F32' as const, shape: [1], data: Float32Array.of(0) };
    expectCheckpointError(
      () => decodeCheckpoint(checkpoint({ 'fc2.weight': extra, 'fc2.bias': extra }), model),
      'name',
      'not in the model',
      'fc2.bias, fc2.weight',
    );
  });

  it('refuses a shape mismatch, saying what was expected and found', () => {
    const wrong = { dtype: 'F32' as const, shape: [3, 2], data: new Float32Array(6) };
    expectCheckpointError(() => decodeCheckpoint(checkpoint({ 'fc1.weight': wrong }), model), 'shape', 'fc1.weight', 'has shape [3, 2]', 'expects [2, 3]');
  });

  it('refuses a scalar stored as a one-element vector', () => {
    const vector = { dtype: 'I64' as const, shape: [1], data: BigInt64Array.of(1n) };
    expectCheckpointError(() => decodeCheckpoint(checkpoint({ 'bn.num_batches_tracked': vector }), model), 'shape', 'bn.num_batches_tracked', 'expects []');
  });

  it('refuses a dtype mismatch, naming the tensor and both dtypes', () => {
    const wrong = { dtype: 'I32' as const, shape: [], data: Int32Array.of(42) };
    expectCheckpointError(
      () => decodeCheckpoint(checkpoint({ 'bn.num_batches_tracked': wrong }), model),
      'dtype',
      'bn.num_batches_tracked',
      'I32',
      'expects I64',
    );
  });

  it('refuses F64 for an F32 tensor unless float conversion is allowed', () => {
    const doubles = { dtype: 'F64' as const, shape: [3], data: Float64Array.of(0.1, 0.25, -3) };
    const file = checkpoint({ 'fc1.bias': doubles });
    expectCheckpointError(() => decodeCheckpoint(file, model), 'dtype', 'fc1.bias', 'F64', 'float conversion');
    const converted = decodeCheckpoint(file, model, { convertFloats: true }).tensors['fc1.bias'];
    expect(converted.dtype).toBe('F32');
    expect(converted.data).toEqual(Float32Array.of(0.1, 0.25, -3));
  });

  it('does not convert integers even when float conversion is allowed', () => {
    const ints = { dtype: 'I32' as const, shape: [3], data: Int32Array.of(1, 2, 3) };
    expectCheckpointError(() => decodeCheckpoint(checkpoint({ 'fc1.bias': ints }), model, { convertFloats: true }), 'dtype', 'fc1.bias');
  });
});

describe('half-precision input', () => {
  // Hand-encoded IEEE binary16: 1.0, -2.0, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, +inf.
  const halfBits = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00];
  const halfValues = [1, -2, 0.5, 65504, 2 ** -24, -0, Infinity];
  const f16File = buildFile(header(info('w', 'F16', [7], [0, 14])), uint16Bytes(halfBits));
  const asF32 = (name: string, shape: number[]): ExpectedTensor[] => [{ name, shape, dtype: 'F32' }];

  it('decodes F16 as the raw bit patterns', () => {
    const { tensors } = decodeSafetensors(f16File);
    expect(tensors.w.dtype).toBe('F16');
    expect(tensors.w.data).toEqual(Uint16Array.from(halfBits));
  });

  it('converts F16 to F32 in decodeCheckpoint when allowed', () => {
    const { tensors } = decodeCheckpoint(f16File, asF32('w', [7]), { convertFloats: true });
    expect(tensors.w.dtype).toBe('F32');
    expect(tensors.w.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensors.w.data as Float32Array)).toEqual(halfValues);
    expect(Object.is((tensors.w.data as Float32Array)[5], -0)).toBe(true);
  });

  it('converts F16 NaN to NaN', () => {
    const nanFile = buildFile(header(info('w', 'F16', [1], [0, 2])), uint16Bytes([0x7e00]));
    const { tensors } = decodeCheckpoint(nanFile, asF32('w', [1]), { convertFloats: true });
    expect(Number.isNaN((tensors.w.data as Float32Array)[0])).toBe(true);
  });

  it('refuses F16 for an F32 tensor without convertFloats', () => {
    expectCheckpointError(() => decodeCheckpoint(f16File, asF32('w', [7])), 'dtype', '"w"', 'F16');
  });

  it('converts BF16 to F32 when allowed', () => {
    // bfloat16: 1.0 = 0x3F80, -2.0 = 0xC000, 0.5 = 0x3F00, 3.140625 = 0x4049.
    const bits = uint16Bytes([0x3f80, 0xc000, 0x3f00, 0x4049]);
    const file = buildFile(header(info('b', 'BF16', [2, 2], [0, 8])), bits);
    const { tensors } = decodeCheckpoint(file, asF32('b', [2, 2]), { convertFloats: true });
    expect(tensors.b.data).toEqual(Float32Array.of(1, -2, 0.5, 3.140625));
  });
});

describe('decoding from a Node Buffer', () => {
  it('copies tensors out of a pooled Buffer whose slice() is a view', async () => {
    const { Buffer } = await import('node:buffer');
    const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) } });
    // A small Buffer.from lives at an offset inside Node's shared 8 KiB pool.
    const pooled = Buffer.from(bytes);
    expect(pooled.byteOffset).toBeGreaterThanOrEqual(0);
    const decoded = decodeSafetensors(pooled);
    expect(Array.from(decoded.tensors.w.data as Float32Array)).toEqual([1.5, -2]);
  });
});

describe('reading the header alone (for range requests)', () => {
  const asF32 = (name: string, shape: number[]): ExpectedTensor[] => [{ name, shape, dtype: 'F32' }];
  const json = header(info('b', 'F32', [2], [0, 8]), info('a', 'F32', [3, 1], [8, 20]), info('c', 'I32', [1], [20, 24]));
  const file = buildFile(json, new Uint8Array(24));
  const headerBytes = file.subarray(8, 8 + new TextEncoder().encode(json).length);

  it('reads the length field from a prefix and refuses one above 100 MB', () => {
    expect(declaredHeaderLength(file.subarray(0, 8))).toBe(headerBytes.length);
    expect(declaredHeaderLength(file.subarray(0, 12))).toBe(headerBytes.length);
    expectCheckpointError(() => declaredHeaderLength(file.subarray(0, 5)), 'header-length', '5 bytes long');
    expectCheckpointError(() => declaredHeaderLength(buildFile('{}', new Uint8Array(), 100_000_001)), 'header-length', '100 MB');
  });

  it('gives entries in offset order, the data start, and checks the data length only when the file size is known', () => {
    const parsed = parseSafetensorsHeader(headerBytes);
    expect(parsed.entries.map((entry) => [entry.name, entry.begin, entry.end])).toEqual([
      ['b', 0, 8],
      ['a', 8, 20],
      ['c', 20, 24],
    ]);
    expect(parsed.dataStart).toBe(8 + headerBytes.length);
    expect(parseSafetensorsHeader(headerBytes, file.length).entries).toHaveLength(3);
    expectCheckpointError(() => parseSafetensorsHeader(headerBytes, file.length - 4), 'truncated', '"c"', 'truncated');
    expectCheckpointError(() => parseSafetensorsHeader(headerBytes, file.length + 4), 'offsets', '4 bytes belong to no tensor');
    expectCheckpointError(() => parseSafetensorsHeader(new TextEncoder().encode('{"a": [1')), 'header-json', 'not valid JSON');
  });

  it('finds the expected tensors in the order asked, whatever else the file holds', () => {
    const parsed = parseSafetensorsHeader(headerBytes);
    const found = findExpectedTensors(parsed, [...asF32('a', [3, 1]), ...asF32('b', [2])], 'model.safetensors');
    expect(found.map((entry) => entry.name)).toEqual(['a', 'b']);
  });

  it('names a missing tensor and lists those the file has', () => {
    const parsed = parseSafetensorsHeader(headerBytes);
    const error = expectCheckpointError(
      () => findExpectedTensors(parsed, [...asF32('a', [3, 1]), ...asF32('z', [1])], 'gpt.safetensors'),
      'name',
      '"z"',
      'gpt.safetensors',
    );
    expect(error.message).toContain('its tensors: b, a, c');
    expect(error.tensorName).toBe('z');
  });

  it('refuses a wrong shape or dtype, naming the tensor, both shapes or both dtypes', () => {
    const parsed = parseSafetensorsHeader(headerBytes);
    expectCheckpointError(() => findExpectedTensors(parsed, asF32('a', [1, 3]), 'f'), 'shape', '"a"', '[3, 1]', '[1, 3]');
    expectCheckpointError(() => findExpectedTensors(parsed, asF32('c', [1]), 'f'), 'dtype', '"c"', 'I32', 'F32');
  });

  it('decodes one tensor from exactly its bytes, and refuses fewer', () => {
    const bytes = new Uint8Array(Float32Array.of(1.5, -2, 7).buffer);
    const entry = { name: 'a', dtype: 'F32' as const, shape: [3, 1], begin: 8, end: 20 };
    expect(Array.from(tensorFromBytes(entry, bytes).data as Float32Array)).toEqual([1.5, -2, 7]);
    // An unaligned view is copied into an aligned array.
    const shifted = new Uint8Array(13);
    shifted.set(bytes, 1);
    expect(Array.from(tensorFromBytes(entry, shifted.subarray(1)).data as Float32Array)).toEqual([1.5, -2, 7]);
    expectCheckpointError(() => tensorFromBytes(entry, bytes.subarray(0, 8)), 'truncated', '"a"', '12 bytes');
  });
});
