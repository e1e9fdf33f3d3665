// Hugging Face safetensors codec: 8-byte little-endian header length, a UTF-8 JSON header,
// then the raw little-endian tensor bytes. Files written here load with PyTorch's
// `safetensors.torch.load_file`, and files saved by `save_file` decode here. Framework-free
// so it runs in the page, in Web Workers and in Node.

import { z } from 'zod';

export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/**
 * Element storage per dtype. F16 and BF16 hold the raw 16-bit patterns in a Uint16Array
 * (Float16Array is not available everywhere); BOOL holds 0/1 bytes in a Uint8Array.
 */
export type TensorData =
  Float32Array | Float64Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export interface TensorEntry {
  dtype: SafetensorsDtype;
  /** Row-major (C order); [] for a scalar. */
  shape: number[];
  data: TensorData;
}

export interface ExpectedTensor {
  name: string;
  shape: readonly number[];
  dtype: SafetensorsDtype;
}

export interface DecodedSafetensors {
  tensors: Record<string, TensorEntry>;
  metadata: Record<string, string>;
}

export type CheckpointErrorKind = 'header-length' | 'header-json' | 'dtype' | 'shape' | 'name' | 'truncated' | 'offsets';

export class CheckpointError extends Error {
  constructor(
    readonly kind: CheckpointErrorKind,
    message: string,
    /** The tensor the problem is about, when there is one. */
    readonly tensorName?: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

interface TypedArrayConstructor {
  new (buffer: ArrayBuffer): TensorData;
  readonly name: string;
}

interface DtypeInfo {
  bytes: number;
  /** Position in the reference implementation's Dtype enum; the writer sorts on it. */
  rank: number;
  array: TypedArrayConstructor;
}

// Ranks follow the declaration order of `safetensors::Dtype` (BOOL < U8 < I8 < F8_* < I16 <
// U16 < F16 < BF16 < I32 < U32 < F32 < F64 < I64 < U64), whose derived Ord the Rust writer
// sorts by; matching it makes our files byte-identical to PyTorch's.
const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  BOOL: { bytes: 1, rank: 0, array: Uint8Array },
  U8: { bytes: 1, rank: 1, array: Uint8Array },
  I8: { bytes: 1, rank: 2, array: Int8Array },
  I16: { bytes: 2, rank: 5, array: Int16Array },
  U16: { bytes: 2, rank: 6, array: Uint16Array },
  F16: { bytes: 2, rank: 7, array: Uint16Array },
  BF16: { bytes: 2, rank: 8, array: Uint16Array },
  I32: { bytes: 4, rank: 9, array: Int32Array },
  U32: { bytes: 4, rank: 10, array: Uint32Array },
  F32: { bytes: 4, rank: 11, array: Float32Array },
  F64: { bytes: 8, rank: 12, array: Float64Array },
  I64: { bytes: 8, rank: 13, array: BigInt64Array },
  U64: { bytes: 8, rank: 14, array: BigUint64Array },
};

const SUPPORTED_DTYPES = Object.keys(DTYPES).join(', ');
const HEADER_LENGTH_BYTES = 8;
const DATA_ALIGNMENT = 8;
// The reference reader refuses headers above 100 MB; a larger one means a corrupt or foreign file.
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const HOW_TO_REEXPORT = 'Export the checkpoint again, from this playground or with safetensors.torch.save_file.';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function isSafetensorsDtype(value: string): value is SafetensorsDtype {
  return Object.hasOwn(DTYPES, value);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

// The file is little-endian; on a big-endian host every element's bytes are reversed in place.
function swapToOrFromLittleEndian(bytes: Uint8Array, width: number): void {
  if (HOST_IS_LITTLE_ENDIAN || width === 1) return;
  for (let start = 0; start < bytes.length; start += width) {
    bytes.subarray(start, start + width).reverse();
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

function checkEntryForEncoding(name: string, entry: TensorEntry): void {
  if (name === METADATA_KEY) {
    throw new CheckpointError('name', `The tensor name "${METADATA_KEY}" is reserved for the file's metadata; rename that tensor.`, name);
  }
  if (!isSafetensorsDtype(entry.dtype)) {
    throw new CheckpointError(
      'dtype',
      `Tensor "${name}" has dtype "${String(entry.dtype)}", which safetensors cannot store; ` + `use one of ${SUPPORTED_DTYPES}.`,
      name,
    );
  }
  const info = DTYPES[entry.dtype];
  const arrayKind = Object.prototype.toString.call(entry.data);
  if (arrayKind !== `[object ${info.array.name}]`) {
    throw new CheckpointError(
      'dtype',
      `Tensor "${name}" is declared ${entry.dtype} but its data is a ${arrayKind.slice(8, -1)}; ` + `pass a ${info.array.name} for ${entry.dtype}.`,
      name,
    );
  }
  if (!entry.shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new CheckpointError('shape', `Tensor "${name}" has shape ${formatShape(entry.shape)}; ` + 'dimensions must be non-negative integers.', name);
  }
  if (elementCount(entry.shape) !== entry.data.length) {
    throw new CheckpointError(
      'shape',
      `Tensor "${name}" has shape ${formatShape(entry.shape)} (${elementCount(entry.shape)} elements) ` +
        `but ${entry.data.length} values; make the shape match the data.`,
      name,
    );
  }
}

function writerOrder(tensors: Record<string, TensorEntry>): [string, TensorEntry][] {
  return Object.entries(tensors).sort(([nameA, a], [nameB, b]) => {
    const byDtype = DTYPES[b.dtype].rank - DTYPES[a.dtype].rank;
    if (byDtype !== 0) return byDtype;
    // Rust compares names as UTF-8 bytes, which orders like code points, not UTF-16 units.
    return compareCodePoints(nameA, nameB);
  });
}

function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a, (char) => char.codePointAt(0) ?? 0);
  const right = Array.from(b, (char) => char.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] - right[i];
  }
  return left.length - right.length;
}

function headerJson(ordered: readonly [string, TensorEntry][], metadata: Record<string, string> | undefined): string {
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"${METADATA_KEY}":${metadataJson(metadata)}`);
  let offset = 0;
  for (const [name, entry] of ordered) {
    const end = offset + entry.data.byteLength;
    const shape = entry.shape.join(',');
    parts.push(`${JSON.stringify(name)}:{"dtype":"${entry.dtype}","shape":[${shape}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  return `{${parts.join(',')}}`;
}

function metadataJson(metadata: Record<string, string>): string {
  const fields = Object.entries(metadata).map(([key, value]) => {
    if (typeof value !== 'string') {
      throw new CheckpointError(
        'header-json',
        `Metadata "${key}" is a ${typeof value}; safetensors metadata values must be strings, ` + 'so convert it with String() or JSON.stringify().',
      );
    }
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${fields.join(',')}}`;
}

function paddedHeaderBytes(json: string): Uint8Array {
  const encoded = new TextEncoder().encode(json);
  const padded = Math.ceil(encoded.length / DATA_ALIGNMENT) * DATA_ALIGNMENT;
  const bytes = new Uint8Array(padded).fill(0x20);
  bytes.set(encoded);
  return bytes;
}

function tensorBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Serialises tensors exactly as the reference writer does: tensors sorted by dtype (widest
 * first) then name, header padded with spaces so the data starts on an 8-byte boundary.
 * The result is backed by a plain ArrayBuffer, so it can go straight into a Blob or postMessage.
 */
export function encodeSafetensors(tensors: Record<string, TensorEntry>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  for (const [name, entry] of Object.entries(tensors)) checkEntryForEncoding(name, entry);
  const ordered = writerOrder(tensors);
  const header = paddedHeaderBytes(headerJson(ordered, metadata));
  const dataBytes = ordered.reduce((sum, [, entry]) => sum + entry.data.byteLength, 0);
  const file = new Uint8Array(HEADER_LENGTH_BYTES + header.length + dataBytes);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, HEADER_LENGTH_BYTES);
  let cursor = HEADER_LENGTH_BYTES + header.length;
  for (const [, entry] of ordered) {
    const target = file.subarray(cursor, cursor + entry.data.byteLength);
    target.set(tensorBytes(entry.data));
    swapToOrFromLittleEndian(target, DTYPES[entry.dtype].bytes);
    cursor += entry.data.byteLength;
  }
  return file;
}

// ---------------------------------------------------------------------------------------------
// Decoding

const dimensionSchema = z.number().int().nonnegative();

const tensorInfoSchema = z.object({
  dtype: z.string(),
  shape: z.array(dimensionSchema),
  data_offsets: z.tuple([dimensionSchema, dimensionSchema]),
});

// Arrays and null fail this; unknown keys are kept because every other key names a tensor.
const headerRootSchema = z.looseObject({});

const metadataSchema = z.record(z.string(), z.string());

type TensorInfo = z.infer<typeof tensorInfoSchema>;

/** One tensor as the header describes it; begin and end are byte offsets into the data section. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** In data-offset order. */
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file: 8 + the header length. */
  dataStart: number;
}

/**
 * A plain Uint8Array over the input. Node's Buffer is a Uint8Array whose slice() returns a
 * view instead of a copy, so it is re-wrapped: readTensor relies on slice() copying.
 */
function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
}

/** The byte count of the length field that opens every safetensors file. */
export const SAFETENSORS_HEADER_LENGTH_BYTES = HEADER_LENGTH_BYTES;

/**
 * The header's length in bytes, from the file's first 8 bytes (more may be passed); refuses a
 * file too short to hold the field and a length above the reference reader's 100 MB limit.
 */
export function declaredHeaderLength(bytes: Uint8Array): number {
  if (bytes.length < HEADER_LENGTH_BYTES) {
    throw new CheckpointError(
      'header-length',
      `The file is ${bytes.length} bytes long, too short for a safetensors file ` +
        '(which starts with an 8-byte header length). Check that the complete .safetensors file was chosen.',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH_BYTES);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(
      'header-length',
      `The header length field says ${declared} bytes, above the 100 MB limit, so this is not a ` +
        'safetensors file or its first 8 bytes are corrupt. Choose a file written by safetensors.',
    );
  }
  return Number(declared);
}

function readHeaderLength(bytes: Uint8Array): number {
  const length = declaredHeaderLength(bytes);
  const available = bytes.length - HEADER_LENGTH_BYTES;
  if (length > available) {
    throw new CheckpointError(
      'header-length',
      `The header length field says ${length} bytes but only ${available} bytes follow it: ` +
        'the file is truncated or not a safetensors file. Download or export it again.',
    );
  }
  return length;
}

function parseHeaderJson(headerBytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new CheckpointError('header-json', 'The safetensors header is not valid UTF-8, so the file is corrupt or not a safetensors file. ' + HOW_TO_REEXPORT);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(
      'header-json',
      `The safetensors header is not valid JSON (${reason}), so the file is corrupt or not a ` + `safetensors file. ${HOW_TO_REEXPORT}`,
    );
  }
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the top level';
  const [first, ...rest] = path;
  const tail = rest.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`));
  return `${JSON.stringify(String(first))}${tail.join('')}`;
}

function parseHeaderPart<T>(schema: z.ZodType<T>, value: unknown, path: readonly PropertyKey[]): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const fullPath = [...path, ...issue.path];
  const tensor = path.length > 0 && path[0] !== METADATA_KEY ? String(path[0]) : undefined;
  throw new CheckpointError(
    'header-json',
    `The safetensors header is malformed at ${formatIssuePath(fullPath)}: ${issue.message}. ` +
      'Each tensor needs "dtype" (string), "shape" (array of non-negative integers) ' +
      'and "data_offsets" ([begin, end]); ' +
      `"${METADATA_KEY}" must map strings to strings. ${HOW_TO_REEXPORT}`,
    tensor,
  );
}

interface ValidatedHeader {
  metadata: Record<string, string>;
  tensors: [string, TensorInfo][];
}

// Keys are read from the parsed JSON itself, not from zod's output object, so that a tensor
// named like an Object.prototype member ("__proto__", "constructor") is neither lost nor harmful.
function validateHeader(json: unknown): ValidatedHeader {
  parseHeaderPart(headerRootSchema, json, []);
  const header: ValidatedHeader = { metadata: {}, tensors: [] };
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === METADATA_KEY) {
      parseHeaderPart(metadataSchema, value, [key]);
      header.metadata = Object.fromEntries(Object.entries(value as Record<string, string>));
    } else {
      header.tensors.push([key, parseHeaderPart(tensorInfoSchema, value, [key])]);
    }
  }
  return header;
}

function toHeaderEntry(name: string, info: TensorInfo): HeaderEntry {
  if (!isSafetensorsDtype(info.dtype)) {
    throw new CheckpointError(
      'dtype',
      `Tensor "${name}" has dtype "${info.dtype}", which this reader does not support ` +
        `(supported: ${SUPPORTED_DTYPES}). Convert that tensor (e.g. tensor.float()) before saving.`,
      name,
    );
  }
  const [begin, end] = info.data_offsets;
  return { name, dtype: info.dtype, shape: info.shape, begin, end };
}

function byOffsets(a: HeaderEntry, b: HeaderEntry): number {
  return a.begin - b.begin || a.end - b.end;
}

// Tensors must tile the data section exactly, in offset order, as the reference reader demands;
// with the data section's length unknown (a download whose size the host does not tell), only
// the tiling is checked.
function checkOffsets(entries: readonly HeaderEntry[], dataLength: number | undefined): void {
  let cursor = 0;
  for (const entry of entries) {
    checkEntryOffsets(entry, cursor);
    if (dataLength !== undefined && entry.end > dataLength) {
      throw new CheckpointError(
        'truncated',
        `Tensor "${entry.name}" needs data bytes ${entry.begin}..${entry.end} but the data section ` +
          `has only ${dataLength} bytes: the file is truncated. Download or export it again.`,
        entry.name,
      );
    }
    cursor = entry.end;
  }
  if (dataLength !== undefined && cursor !== dataLength) {
    throw new CheckpointError(
      'offsets',
      `The tensors' data_offsets end at byte ${cursor} but the data section has ${dataLength} bytes, ` +
        `so ${dataLength - cursor} bytes belong to no tensor. The file is corrupt. ${HOW_TO_REEXPORT}`,
    );
  }
}

function checkEntryOffsets(entry: HeaderEntry, cursor: number): void {
  const where = `Tensor "${entry.name}" has data_offsets [${entry.begin}, ${entry.end}]`;
  if (entry.begin !== cursor) {
    const problem = entry.begin < cursor ? 'overlaps the previous tensor' : 'leaves a gap after the previous tensor';
    throw new CheckpointError('offsets', `${where}, which ${problem} (it should begin at ${cursor}). ` + `The file is corrupt. ${HOW_TO_REEXPORT}`, entry.name);
  }
  const expectedBytes = elementCount(entry.shape) * DTYPES[entry.dtype].bytes;
  if (entry.end - entry.begin !== expectedBytes) {
    throw new CheckpointError(
      'offsets',
      `${where} (${entry.end - entry.begin} bytes) but shape ${formatShape(entry.shape)} ` +
        `of ${entry.dtype} needs ${expectedBytes} bytes. The file is corrupt. ${HOW_TO_REEXPORT}`,
      entry.name,
    );
  }
}

/**
 * Parses and checks the header alone: `headerBytes` are the JSON (the bytes after the length
 * field); `fileBytes`, the whole file's size when known, lets the tensors' offsets be checked
 * against the data section's length, so a truncated file is refused before any tensor is read.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileBytes?: number): ParsedHeader {
  const dataStart = HEADER_LENGTH_BYTES + headerBytes.length;
  // slice() copies, so TextDecoder never gets a SharedArrayBuffer view (browsers refuse those).
  const header = validateHeader(parseHeaderJson(headerBytes.slice()));
  const entries = header.tensors.map(([name, info]) => toHeaderEntry(name, info)).sort(byOffsets);
  checkOffsets(entries, fileBytes === undefined ? undefined : fileBytes - dataStart);
  return { entries, metadata: header.metadata, dataStart };
}

function parseHeader(bytes: Uint8Array): ParsedHeader {
  const headerLength = readHeaderLength(bytes);
  return parseSafetensorsHeader(bytes.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength), bytes.length);
}

function readTensor(bytes: Uint8Array, entry: HeaderEntry, dataStart: number): TensorEntry {
  return tensorFromBytes(entry, bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
}

/**
 * One tensor from exactly its own bytes (entry.end − entry.begin of them), copied into a fresh
 * buffer: a copy starts at offset 0 of its own buffer, so every typed-array view is aligned.
 */
export function tensorFromBytes(entry: HeaderEntry, bytes: Uint8Array): TensorEntry {
  const info = DTYPES[entry.dtype];
  if (bytes.length !== entry.end - entry.begin) {
    throw new CheckpointError(
      'truncated',
      `Tensor "${entry.name}" needs ${entry.end - entry.begin} bytes but ${bytes.length} were read. Download or export the file again.`,
      entry.name,
    );
  }
  const copy = bytes.slice();
  swapToOrFromLittleEndian(copy, info.bytes);
  return { dtype: entry.dtype, shape: [...entry.shape], data: new info.array(copy.buffer) };
}

/** Decodes a safetensors file, copying every tensor out into its own aligned typed array. */
export function decodeSafetensors(input: Uint8Array | ArrayBuffer): DecodedSafetensors {
  const bytes = asBytes(input);
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const tensors = Object.fromEntries(entries.map((entry) => [entry.name, readTensor(bytes, entry, dataStart)] as const));
  return { tensors, metadata };
}

// ---------------------------------------------------------------------------------------------
// Checking against a model

const CONVERTIBLE_TO_F32: ReadonlySet<SafetensorsDtype> = new Set(['F16', 'BF16', 'F64']);

function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function toFloat32(entry: TensorEntry): Float32Array {
  if (entry.dtype === 'F16') {
    return Float32Array.from(entry.data as Uint16Array, float16ToFloat32);
  }
  if (entry.dtype === 'BF16') {
    // bfloat16 is the top half of a float32's bit pattern.
    const widened = Uint32Array.from(entry.data as Uint16Array, (bits) => bits << 16);
    return new Float32Array(widened.buffer);
  }
  return Float32Array.from(entry.data as Float64Array);
}

function checkNames(found: Record<string, TensorEntry>, expected: readonly ExpectedTensor[]): void {
  const expectedNames = new Set(expected.map((tensor) => tensor.name));
  const missing = [...expectedNames].filter((name) => !Object.hasOwn(found, name));
  const extra = Object.keys(found).filter((name) => !expectedNames.has(name));
  if (missing.length === 0 && extra.length === 0) return;
  const problems = [
    missing.length > 0 ? `missing from the file: ${missing.join(', ')}` : '',
    extra.length > 0 ? `in the file but not in the model: ${extra.join(', ')}` : '',
  ].filter(Boolean);
  throw new CheckpointError(
    'name',
    `The checkpoint's tensors do not match the model (${problems.join('; ')}). ` +
      'Load a checkpoint saved from the same architecture, or rebuild the model to match it.',
    missing[0] ?? extra[0],
  );
}

function checkTensor(entry: TensorEntry, expected: ExpectedTensor, convertFloats: boolean): TensorEntry {
  const { name } = expected;
  if (!sameShape(entry.shape, expected.shape)) {
    throw new CheckpointError(
      'shape',
      `Tensor "${name}" has shape ${formatShape(entry.shape)} in the file but the model expects ` +
        `${formatShape(expected.shape)}. The checkpoint comes from a model with different layer ` +
        'sizes; rebuild the model with matching sizes or choose another checkpoint.',
      name,
    );
  }
  if (entry.dtype === expected.dtype) return entry;
  if (convertFloats && expected.dtype === 'F32' && CONVERTIBLE_TO_F32.has(entry.dtype)) {
    return { dtype: 'F32', shape: entry.shape, data: toFloat32(entry) };
  }
  const hint =
    expected.dtype === 'F32' && CONVERTIBLE_TO_F32.has(entry.dtype)
      ? 'Allow float conversion, or save the tensor as float32 (tensor.float()).'
      : `Save the tensor as ${expected.dtype}.`;
  throw new CheckpointError('dtype', `Tensor "${name}" is stored as ${entry.dtype} but the model expects ${expected.dtype}. ` + hint, name);
}

/**
 * The header entries of the expected tensors, in the order given, each checked for shape and
 * dtype (exactly: no conversion). Other tensors in the file are allowed, since a pretrained
 * model's file holds far more than the few tensors taken from it.
 */
export function findExpectedTensors(header: ParsedHeader, expected: readonly ExpectedTensor[], fileName: string): HeaderEntry[] {
  const byName = new Map(header.entries.map((entry) => [entry.name, entry] as const));
  const missing = expected.filter((tensor) => !byName.has(tensor.name)).map((tensor) => tensor.name);
  if (missing.length > 0) {
    const present = header.entries.length === 0 ? 'none' : header.entries.map((entry) => entry.name).join(', ');
    throw new CheckpointError(
      'name',
      `${fileName} has no tensor ${missing.map((name) => `"${name}"`).join(' or ')} (its tensors: ${present}). ` +
        'Choose the file of the model these tensors come from.',
      missing[0],
    );
  }
  return expected.map((tensor) => {
    const entry = byName.get(tensor.name)!;
    if (!sameShape(entry.shape, tensor.shape)) {
      throw new CheckpointError(
        'shape',
        `Tensor "${tensor.name}" in ${fileName} has shape ${formatShape(entry.shape)} but ${formatShape(tensor.shape)} is expected. ` +
          'The file comes from a model with other sizes; choose the file of the expected model.',
        tensor.name,
      );
    }
    if (entry.dtype !== tensor.dtype) {
      throw new CheckpointError(
        'dtype',
        `Tensor "${tensor.name}" in ${fileName} is stored as ${entry.dtype} but ${tensor.dtype} is expected. ` +
          `Choose a file that stores it as ${tensor.dtype}.`,
        tensor.name,
      );
    }
    return entry;
  });
}

/**
 * Decodes and checks the file holds exactly these tensors (same names, shapes, dtypes);
 * F16/BF16/F64 may be accepted and converted to F32 when `convertFloats` is true.
 */
export function decodeCheckpoint(
  input: Uint8Array | ArrayBuffer,
  expected: readonly ExpectedTensor[],
  options: { convertFloats?: boolean } = {},
): DecodedSafetensors {
  const { tensors, metadata } = decodeSafetensors(input);
  checkNames(tensors, expected);
  const checked = Object.fromEntries(
    expected.map((tensor) => [tensor.name, checkTensor(tensors[tensor.name], tensor, options.convertFloats ?? false)] as const),
  );
  return { tensors: checked, metadata };
}
