// Safetensors reading and writing (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header, then the raw tensor bytes. Checkpoints can be
// hundreds of MB, so tensors are read from a file descriptor straight into their destination
// arrays, never through a whole-file buffer.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic } from '../../fs/atomic.ts';

/** Element sizes in bytes of the dtypes of the format (sub-byte float formats are not supported). */
const DTYPE_SIZES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/** The float dtypes `readTensors` converts to float32. */
const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F64']);

/** The reference implementation's limit; a larger length means a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;

/** Scratch size for dtypes that need conversion; a multiple of every element size. */
const SCRATCH_BYTES = 1 << 20;

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offsets relative to the start of the data section, end exclusive. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  path: string;
  fileSize: number;
  /** Absolute file offset of the data section (8 + header length). */
  dataOffset: number;
  metadata: Record<string, string>;
  tensors: Map<string, TensorEntry>;
}

export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

export interface RawTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Little-endian element bytes in their own ArrayBuffer, so typed views are aligned. */
  bytes: Uint8Array;
}

/** A safetensors file that cannot be read as one; names the file and the exact problem. */
export class SafetensorsError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

export const isFloatDtype = (dtype: string): boolean => FLOAT_DTYPES.has(dtype);
export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Reads exactly `length` bytes at `position`, or returns how many there were before end of file. */
function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function withFile<T>(path: string, fn: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new SafetensorsError(path, `cannot open: ${(err as Error).message}`);
  }
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** Parses and validates the header; reads no tensor data. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return withFile(path, (fd) => {
    const fileSize = fstatSync(fd).size;
    if (fileSize < 8) throw new SafetensorsError(path, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
    const lenBytes = new Uint8Array(8);
    readFully(fd, lenBytes, 0);
    const headerLength = new DataView(lenBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(MAX_HEADER_BYTES)) {
      throw new SafetensorsError(path, `header length ${headerLength} is absurd (limit ${MAX_HEADER_BYTES} bytes): not a safetensors file or corrupt`);
    }
    const n = Number(headerLength);
    if (8 + n > fileSize) throw new SafetensorsError(path, `header length ${n} runs past the end of the file (${fileSize} bytes)`);
    const headerBytes = new Uint8Array(n);
    if (readFully(fd, headerBytes, 8) !== n) throw new SafetensorsError(path, 'file shrank while reading the header');
    return parseHeader(path, fileSize, headerBytes);
  });
}

function parseHeader(path: string, fileSize: number, headerBytes: Uint8Array): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw new SafetensorsError(path, `header is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new SafetensorsError(path, `header is not a JSON object (got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json})`);

  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorEntry>();
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(value)) throw new SafetensorsError(path, '__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(path, `__metadata__ value for "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    tensors.set(name, parseEntry(path, name, value));
  }

  const dataOffset = 8 + headerBytes.length;
  const dataSize = fileSize - dataOffset;
  // Sorting by offset turns the overlap check into one comparison with the previous tensor.
  const byOffset = [...tensors].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let last: [string, TensorEntry] | undefined;
  let previous: [string, TensorEntry] | undefined;
  for (const entry of byOffset) {
    const [name, t] = entry;
    if (!last || t.end > last[1].end) last = entry;
    if (t.begin === t.end) continue; // empty tensors occupy no bytes
    if (previous && t.begin < previous[1].end) {
      throw new SafetensorsError(path, `tensors "${previous[0]}" [${previous[1].begin}, ${previous[1].end}) and "${name}" [${t.begin}, ${t.end}) overlap`);
    }
    previous = entry;
  }
  if (last && last[1].end > dataSize) {
    throw new SafetensorsError(path, `truncated: expected ${last[1].end} bytes of tensor data, file has ${dataSize} (tensor "${last[0]}" ends at ${last[1].end})`);
  }
  return { path, fileSize, dataOffset, metadata, tensors };
}

function parseEntry(path: string, name: string, value: unknown): TensorEntry {
  const bad = (problem: string): SafetensorsError => new SafetensorsError(path, `tensor "${name}": ${problem}`);
  if (!isObject(value)) throw bad('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw bad('dtype is missing or not a string');
  if (!Object.hasOwn(DTYPE_SIZES, dtype)) throw bad(`unknown dtype "${dtype}"`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] out of range: end before begin`);
  const size = DTYPE_SIZES[dtype as SafetensorsDtype];
  const expected = elementCount(shape) * size;
  if (end - begin !== expected) {
    throw bad(`byte size ${end - begin} does not match shape [${shape.join(', ')}] × ${dtype} (${size} bytes) = ${expected}`);
  }
  return { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

// ----- reading -----

let halfTable: Uint32Array | undefined;

/** float32 bit patterns of all 65536 float16 values, bit-exact (subnormals, ±inf, NaN payloads). */
function halfToFloatBits(): Uint32Array {
  if (halfTable) return halfTable;
  const table = new Uint32Array(65536);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) {
      table[h] = ((h & 0x8000) << 16) | 0x7f800000 | (mant << 13);
      continue;
    }
    // Every float16 value is exactly representable in float32, so this arithmetic is exact.
    f[0] = exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
    table[h] = bits[0];
  }
  return (halfTable = table);
}

function assertLittleEndianHost(): void {
  // Typed-array views use host byte order; every platform Delineate ships on is little-endian.
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

/** Reads one float tensor into a new Float32Array, converting F16/BF16/F64 chunk by chunk. */
function readFloat(fd: number, header: SafetensorsHeader, name: string, t: TensorEntry, scratch: () => Uint8Array): Float32Array {
  const count = elementCount(t.shape);
  const out = new Float32Array(count);
  const start = header.dataOffset + t.begin;
  const short = (got: number, wanted: number): SafetensorsError =>
    new SafetensorsError(header.path, `truncated while reading tensor "${name}": got ${got} of ${wanted} bytes (file changed?)`);
  if (t.dtype === 'F32') {
    const dest = new Uint8Array(out.buffer);
    const got = readFully(fd, dest, start);
    if (got !== dest.length) throw short(got, dest.length);
    return out;
  }
  const size = DTYPE_SIZES[t.dtype];
  const buf = scratch();
  const outBits = new Uint32Array(out.buffer);
  const table = t.dtype === 'F16' ? halfToFloatBits() : undefined;
  const perChunk = buf.length / size;
  for (let i = 0; i < count; i += perChunk) {
    const n = Math.min(perChunk, count - i);
    const chunk = buf.subarray(0, n * size);
    const got = readFully(fd, chunk, start + i * size);
    if (got !== chunk.length) throw short(i * size + got, count * size);
    if (t.dtype === 'F64') {
      const src = new Float64Array(buf.buffer, 0, n);
      for (let j = 0; j < n; j++) out[i + j] = src[j]; // round to nearest float32
    } else {
      const src = new Uint16Array(buf.buffer, 0, n);
      if (table) for (let j = 0; j < n; j++) outBits[i + j] = table[src[j]];
      else for (let j = 0; j < n; j++) outBits[i + j] = src[j] << 16; // bf16 is the top half of a float32
    }
  }
  return out;
}

/**
 * Reads float tensors as float32. Without `names`, every float tensor in the file (integer buffers
 * such as `position_ids` are skipped); with `names`, exactly those, and a non-float one is an error.
 * Pass `header` when it has already been read and checked.
 */
export function readTensors(path: string, opts: { names?: Iterable<string>; header?: SafetensorsHeader } = {}): Map<string, FloatTensor> {
  assertLittleEndianHost();
  const header = opts.header ?? readSafetensorsHeader(path);
  const names = opts.names ? [...opts.names] : [...header.tensors].filter(([, t]) => isFloatDtype(t.dtype)).map(([n]) => n);
  for (const name of names) {
    const t = header.tensors.get(name);
    if (!t) throw new SafetensorsError(path, `no tensor named "${name}"`);
    if (!isFloatDtype(t.dtype)) throw new SafetensorsError(path, `unsupported dtype ${t.dtype} for tensor "${name}" (float expected)`);
  }
  let scratchBuf: Uint8Array | undefined;
  const scratch = (): Uint8Array => (scratchBuf ??= new Uint8Array(SCRATCH_BYTES));
  return withFile(path, (fd) => {
    const out = new Map<string, FloatTensor>();
    for (const name of names) {
      const t = header.tensors.get(name)!;
      out.set(name, { shape: [...t.shape], data: readFloat(fd, header, name, t, scratch) });
    }
    return out;
  });
}

/** Reads one tensor's bytes as stored, any dtype (e.g. int64 `input_ids`). */
export function readRawTensor(path: string, header: SafetensorsHeader, name: string): RawTensor {
  const t = header.tensors.get(name);
  if (!t) throw new SafetensorsError(path, `no tensor named "${name}"`);
  const bytes = new Uint8Array(t.end - t.begin);
  const got = withFile(path, (fd) => readFully(fd, bytes, header.dataOffset + t.begin));
  if (got !== bytes.length) throw new SafetensorsError(path, `truncated while reading tensor "${name}": got ${got} of ${bytes.length} bytes (file changed?)`);
  return { dtype: t.dtype, shape: [...t.shape], bytes };
}

// ----- writing -----

/**
 * Writes float32 tensors, keys sorted, header padded with spaces so the data starts at a multiple
 * of 8, atomically (a crash leaves the old file or the new one).
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, FloatTensor> | Record<string, FloatTensor>,
  metadata?: Record<string, string>,
): void {
  assertLittleEndianHost();
  const entries = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(path, `metadata value for "${k}" is not a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '' || name === '__metadata__') throw new SafetensorsError(path, `invalid tensor name "${name}"`);
    if (!t.shape.every((d) => isCount(d))) throw new SafetensorsError(path, `tensor "${name}": shape [${t.shape.join(', ')}] is not a list of non-negative integers`);
    if (!(t.data instanceof Float32Array)) throw new SafetensorsError(path, `tensor "${name}": data is not a Float32Array`);
    const count = elementCount(t.shape);
    if (t.data.length !== count) throw new SafetensorsError(path, `tensor "${name}": data has ${t.data.length} elements, shape [${t.shape.join(', ')}] needs ${count}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = JSON.stringify(header);
  let jsonBytes = Buffer.from(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes.length % 8)) % 8);
  jsonBytes = Buffer.from(json, 'utf8');

  const file = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  file.set(jsonBytes, 8);
  let at = 8 + jsonBytes.length;
  for (const [, t] of entries) {
    file.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  writeFileAtomic(path, file);
}
