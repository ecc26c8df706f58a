// NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// magic "\x93NUMPY", version, header length, a Python-literal dict {descr, fortran_order, shape},
// then the raw C-order data. Used for goldens and for exchanging arrays with Python tools.

import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic } from '../../fs/atomic.ts';

export type NpyDtype = '<f4' | '<f8' | '|u1' | '<i8' | '|b1';

export type NpyData = Float32Array | Float64Array | Uint8Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** '|b1' arrays come back as a Uint8Array of 0/1. */
  data: NpyData;
}

/** An .npy file that cannot be read or written; names the source and the problem. */
export class NpyError extends Error {
  constructor(readonly source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'NpyError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy aligns the data start to 64 bytes so arrays can be memory-mapped for SIMD use. */
const ALIGN = 64;

type ArrayType = typeof Float32Array | typeof Float64Array | typeof Uint8Array | typeof BigInt64Array;
const ITEM: Record<NpyDtype, { size: number; type: ArrayType }> = {
  '<f4': { size: 4, type: Float32Array },
  '<f8': { size: 8, type: Float64Array },
  '|u1': { size: 1, type: Uint8Array },
  '|b1': { size: 1, type: Uint8Array },
  '<i8': { size: 8, type: BigInt64Array },
};

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('npy: big-endian hosts are not supported');
}

/** Python tuple literal as NumPy writes it: (), (n,), (a, b). */
const pyTuple = (shape: readonly number[]): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/** Writes a C-order array, format version 1.0 (2.0 only if the header outgrows 64 KiB), atomically. */
export function writeNpy(path: string, array: NpyArray): void {
  assertLittleEndianHost();
  const { dtype, shape, data } = array;
  const item = ITEM[dtype];
  if (!item) throw new NpyError(path, `cannot write dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(ITEM).join(', ')})`);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new NpyError(path, `shape [${shape.join(', ')}] is not a list of non-negative integers`);
  if (!(data instanceof item.type)) throw new NpyError(path, `dtype ${dtype} needs a ${item.type.name}, got a ${(data as object).constructor.name}`);
  if (data.length !== count(shape)) throw new NpyError(path, `data has ${data.length} elements, shape [${shape.join(', ')}] needs ${count(shape)}`);

  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${pyTuple(shape)}, }`;
  // Preamble: magic (6) + version (2) + length (2 in v1, 4 in v2); pad with spaces, end with '\n'.
  let lenBytes = 2;
  let total = Math.ceil((6 + 2 + lenBytes + dict.length + 1) / ALIGN) * ALIGN;
  if (total - 10 > 0xffff) {
    lenBytes = 4;
    total = Math.ceil((6 + 2 + lenBytes + dict.length + 1) / ALIGN) * ALIGN;
  }
  const headerLength = total - 6 - 2 - lenBytes;
  const header = dict + ' '.repeat(headerLength - dict.length - 1) + '\n';

  const file = new Uint8Array(total + data.byteLength);
  file.set(MAGIC, 0);
  file[6] = lenBytes === 2 ? 1 : 2;
  file[7] = 0;
  const view = new DataView(file.buffer);
  if (lenBytes === 2) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  file.set(Buffer.from(header, 'latin1'), 6 + 2 + lenBytes);
  file.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  writeFileAtomic(path, file);
}

/** Reads a C-order .npy (versions 1–3) of dtype <f4, <f8, |u1, <i8 or |b1. */
export function readNpy(source: string | Uint8Array): NpyArray {
  assertLittleEndianHost();
  const name = typeof source === 'string' ? source : '<npy bytes>';
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? readFileSync(source) : source;
  } catch (err) {
    throw new NpyError(name, `cannot read: ${(err as Error).message}`);
  }
  const fail = (problem: string): NpyError => new NpyError(name, problem);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('not an .npy file (missing \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw fail('truncated in the header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLength;
  if (dataStart > bytes.length) throw fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined) throw fail(`header has no simple 'descr' (structured dtypes are not supported): ${header.trim()}`);
  if (fortran === undefined) throw fail(`header has no 'fortran_order': ${header.trim()}`);
  if (shapeText === undefined) throw fail(`header has no 'shape' tuple: ${header.trim()}`);
  if (fortran === 'True') throw fail('Fortran-order arrays are not supported (save with C order)');
  // One-byte types carry no byte order; NumPy writes '|', but accept '<' and '=' as well.
  const dtype = (/^[<=|][ub]1$/.test(descr) ? `|${descr.slice(1)}` : descr) as NpyDtype;
  const item = ITEM[dtype];
  if (!item) throw fail(`unsupported dtype '${descr}' (supported: ${Object.keys(ITEM).join(', ')})`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const shape = dims.map((d) => {
    const v = /^\d+L?$/.test(d) ? parseInt(d, 10) : NaN;
    if (!Number.isSafeInteger(v)) throw fail(`bad shape entry '${d}' in (${shapeText})`);
    return v;
  });

  const n = count(shape);
  const nbytes = n * item.size;
  if (bytes.length - dataStart < nbytes) throw fail(`truncated: expected ${nbytes} bytes of data for shape [${shape.join(', ')}] ${dtype}, file has ${bytes.length - dataStart}`);
  // Copy into a fresh buffer: the data may sit at an offset that is not aligned for the view.
  const buf = new ArrayBuffer(nbytes);
  new Uint8Array(buf).set(bytes.subarray(dataStart, dataStart + nbytes));
  return { dtype, shape, data: new item.type(buf) };
}
