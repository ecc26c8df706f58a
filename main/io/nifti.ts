/**
 * NIfTI-1 and NIfTI-2 (.nii, .nii.gz) reading, and NIfTI-1 writing of label masks and grey images.
 * Field offsets follow nifti1.h / nifti2.h; either byte order is read, little endian is written.
 */

import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../fs/atomic.ts';
import { ImageDecodeError } from './raster.ts';
import { affineToQuaternion, makeGeometry, quaternionToAffine, sliceGeometry, XFORM_ALIGNED, type Geometry, type Mat4, type NiftiTransform, type Vec3 } from './geometry.ts';

/** A file that is not NIfTI, or is damaged; names the file and what is wrong. */
export class NiftiError extends ImageDecodeError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = 'NiftiError';
  }
}

export const NIFTI_INTENT_LABEL = 1002;
const UNITS_MM = 2;

/** The datatypes read, by NIfTI code: bytes per voxel and how to view stored bytes. */
const DATATYPES: Record<number, { name: string; bytes: number; view: (b: ArrayBuffer) => ArrayLike<number> }> = {
  2: { name: 'uint8', bytes: 1, view: (b) => new Uint8Array(b) },
  256: { name: 'int8', bytes: 1, view: (b) => new Int8Array(b) },
  4: { name: 'int16', bytes: 2, view: (b) => new Int16Array(b) },
  512: { name: 'uint16', bytes: 2, view: (b) => new Uint16Array(b) },
  8: { name: 'int32', bytes: 4, view: (b) => new Int32Array(b) },
  768: { name: 'uint32', bytes: 4, view: (b) => new Uint32Array(b) },
  16: { name: 'float32', bytes: 4, view: (b) => new Float32Array(b) },
  64: { name: 'float64', bytes: 8, view: (b) => new Float64Array(b) },
};

/** The header fields the app uses, with NIfTI-2's 64-bit values narrowed to numbers. */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] as stored */
  dim: number[];
  datatype: number;
  bitpix: number;
  /** pixdim[0..7] as stored; pixdim[0] is qfac */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  intentCode: number;
  calMin: number;
  calMax: number;
  qformCode: number;
  sformCode: number;
  quatern: Vec3;
  qoffset: Vec3;
  srow: number[][];
}

export interface NiftiVolume {
  file: string;
  header: NiftiHeader;
  /** spatial dims: [nx, ny] or [nx, ny, nz] */
  dims: number[];
  /** volumes in the file (product of dim[4..]); one is read (decodeNifti's volumeIndex) */
  volumes: number;
  /** set when something was left out, e.g. the later volumes of a 4-D file */
  note?: string;
  /** sform when sform_code > 0, else qform when qform_code > 0, else pixdim scaling (NIfTI method 1) */
  geometry: Geometry;
  /** the volume read, i fastest, with scl_slope/scl_inter applied */
  data: Float32Array;
}

/** One slice of a volume as a 2-D image: row j of the slice is row j of `values`. */
export interface NiftiSlice {
  width: number;
  height: number;
  values: Float32Array;
  geometry: Geometry;
}

const MAGIC1 = 'n+1\0';
const MAGIC2 = 'n+2\0\r\n\x1a\n';

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly le: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  i16 = (o: number) => this.view.getInt16(o, this.le);
  i32 = (o: number) => this.view.getInt32(o, this.le);
  i64 = (o: number) => Number(this.view.getBigInt64(o, this.le));
  f32 = (o: number) => this.view.getFloat32(o, this.le);
  f64 = (o: number) => this.view.getFloat64(o, this.le);
  u8 = (o: number) => this.bytes[o];
  text = (o: number, n: number) => String.fromCharCode(...this.bytes.subarray(o, o + n));
  list = (read: (o: number) => number, o: number, n: number, stride: number) => Array.from({ length: n }, (_, i) => read(o + i * stride));
}

function readHeader1(r: Reader): NiftiHeader {
  return {
    version: 1,
    littleEndian: r.le,
    dim: r.list(r.i16, 40, 8, 2),
    intentCode: r.i16(68),
    datatype: r.i16(70),
    bitpix: r.i16(72),
    pixdim: r.list(r.f32, 76, 8, 4),
    voxOffset: r.f32(108),
    sclSlope: r.f32(112),
    sclInter: r.f32(116),
    xyztUnits: r.u8(123),
    calMax: r.f32(124),
    calMin: r.f32(128),
    qformCode: r.i16(252),
    sformCode: r.i16(254),
    quatern: r.list(r.f32, 256, 3, 4) as Vec3,
    qoffset: r.list(r.f32, 268, 3, 4) as Vec3,
    srow: [0, 1, 2].map((i) => r.list(r.f32, 280 + 16 * i, 4, 4)),
  };
}

function readHeader2(r: Reader): NiftiHeader {
  return {
    version: 2,
    littleEndian: r.le,
    datatype: r.i16(12),
    bitpix: r.i16(14),
    dim: r.list(r.i64, 16, 8, 8),
    pixdim: r.list(r.f64, 104, 8, 8),
    voxOffset: r.i64(168),
    sclSlope: r.f64(176),
    sclInter: r.f64(184),
    calMax: r.f64(192),
    calMin: r.f64(200),
    qformCode: r.i32(344),
    sformCode: r.i32(348),
    quatern: r.list(r.f64, 352, 3, 8) as Vec3,
    qoffset: r.list(r.f64, 376, 3, 8) as Vec3,
    srow: [0, 1, 2].map((i) => r.list(r.f64, 400 + 32 * i, 4, 8)),
    xyztUnits: r.i32(500),
    intentCode: r.i32(504),
  };
}

/** Reads the header, finding the version and byte order from sizeof_hdr (348 or 540). */
export function decodeNiftiHeader(bytes: Uint8Array, file: string): NiftiHeader {
  if (bytes.length < 348) throw new NiftiError(file, `${bytes.length} bytes is shorter than a NIfTI header (348)`);
  const probe = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const le = [348, 540].includes(probe.getInt32(0, true));
  const size = probe.getInt32(0, le);
  if (size !== 348 && size !== 540) throw new NiftiError(file, 'not a NIfTI file (sizeof_hdr is neither 348 nor 540)');
  const r = new Reader(bytes, le);
  if (size === 540) {
    if (bytes.length < 540) throw new NiftiError(file, `truncated NIfTI-2 header (${bytes.length} of 540 bytes)`);
    if (r.text(4, 8) !== MAGIC2) throw new NiftiError(file, `bad NIfTI-2 magic ${JSON.stringify(r.text(4, 8))}`);
    return readHeader2(r);
  }
  const magic = r.text(344, 4);
  if (magic === 'ni1\0') throw new NiftiError(file, 'a .hdr/.img pair header; only single-file .nii is supported');
  if (magic !== MAGIC1) throw new NiftiError(file, `bad NIfTI-1 magic ${JSON.stringify(magic)}`);
  return readHeader1(r);
}

function niftiTransform(h: NiftiHeader, spatial: number[]): NiftiTransform {
  return {
    dim: spatial,
    pixdim: [...h.pixdim],
    qformCode: h.qformCode,
    sformCode: h.sformCode,
    quatern: [...h.quatern],
    qoffset: [...h.qoffset],
    srow: h.srow.map((r) => [...r]),
    spatialUnits: h.xyztUnits & 7,
  };
}

function headerAffine(h: NiftiHeader): Mat4 {
  if (h.sformCode > 0) return [...h.srow.map((r) => [...r]), [0, 0, 0, 1]];
  const [qfac, dx, dy, dz] = h.pixdim;
  if (h.qformCode > 0) {
    const [b, c, d] = h.quatern;
    return quaternionToAffine({ b, c, d, qoffset: [...h.qoffset], qfac: qfac < 0 ? -1 : 1, pixdim: [dx, dy, dz] });
  }
  const s = (v: number) => (v > 0 ? v : 1);
  return [
    [s(dx), 0, 0, 0],
    [0, s(dy), 0, 0],
    [0, 0, s(dz), 0],
    [0, 0, 0, 1],
  ];
}

/**
 * Decodes a .nii (or gzip-compressed .nii.gz) held in memory; `file` names it in errors. Of a 4-D
 * (or higher) file, volume `volumeIndex` (0-based over dim[4..]) is read; default the first.
 */
export function decodeNifti(input: Uint8Array, file: string, volumeIndex = 0): NiftiVolume {
  let bytes = input;
  if (input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b) {
    try {
      bytes = gunzipSync(input);
    } catch (e) {
      throw new NiftiError(file, `corrupt gzip stream (${(e as Error).message})`);
    }
  }
  const h = decodeNiftiHeader(bytes, file);
  const ndim = h.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) throw new NiftiError(file, `dim[0] = ${ndim} is outside 1..7`);
  const dim = h.dim.slice(1, ndim + 1);
  if (dim.some((n) => !(Number.isInteger(n) && n >= 1))) throw new NiftiError(file, `bad dimensions ${dim.join('×')}`);
  const type = DATATYPES[h.datatype];
  if (!type) throw new NiftiError(file, `unsupported datatype ${h.datatype} (read: uint8, int8, int16, uint16, int32, uint32, float32, float64)`);
  if (h.bitpix !== type.bytes * 8) throw new NiftiError(file, `bitpix ${h.bitpix} does not match datatype ${type.name} (${type.bytes * 8})`);
  const spatial = dim.slice(0, 3);
  const [nx, ny = 1, nz = 1] = spatial;
  const volumes = dim.slice(3).reduce((a, b) => a * b, 1);
  const count = nx * ny * nz;
  if (!(Number.isInteger(volumeIndex) && volumeIndex >= 0 && volumeIndex < volumes)) throw new RangeError(`${file}: volume ${volumeIndex} is outside 0..${volumes - 1}`);
  const headerSize = h.version === 1 ? 348 : 540;
  if (!(Number.isInteger(h.voxOffset) && h.voxOffset >= headerSize)) throw new NiftiError(file, `vox_offset ${h.voxOffset} is not an integer ≥ ${headerSize}`);
  const start = h.voxOffset + volumeIndex * count * type.bytes;
  const end = start + count * type.bytes;
  if (bytes.length < end) throw new NiftiError(file, `truncated: ${volumeIndex === 0 ? 'the first volume' : `volume ${volumeIndex}`} needs ${end} bytes, the file has ${bytes.length}`);

  // an aligned copy the typed array can view (Buffer.slice would share memory); swap in place when the order differs
  const raw = new Uint8Array(bytes.subarray(start, end));
  if (!h.littleEndian && type.bytes > 1) {
    for (let o = 0; o < raw.length; o += type.bytes) raw.subarray(o, o + type.bytes).reverse();
  }
  const stored = type.view(raw.buffer);
  // scl_slope 0 (or not finite) means "no scaling" in nifti1.h
  const scale = Number.isFinite(h.sclSlope) && h.sclSlope !== 0;
  const slope = scale ? h.sclSlope : 1;
  const inter = scale && Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = stored[i] * slope + inter;

  const geometry = makeGeometry([nx, ny, nz], headerAffine(h), h.sformCode > 0 ? h.sformCode : h.qformCode > 0 ? h.qformCode : XFORM_ALIGNED);
  geometry.nifti = niftiTransform(h, spatial);
  const volume: NiftiVolume = { file, header: h, dims: spatial, volumes, geometry, data };
  if (volumes > 1) volume.note = `${dim.length}-D image with ${volumes} volumes (${dim.slice(3).join('×')}): only ${volumeIndex === 0 ? 'the first volume' : `volume ${volumeIndex}`} is read`;
  return volume;
}

/** Reads a .nii or .nii.gz file (gzip is detected from the content, not the name). */
export function readNifti(path: string): NiftiVolume {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new NiftiError(path, (e as Error).message);
  }
  return decodeNifti(bytes, path);
}

/**
 * Slice k (0-based along the third axis) as stored: no reorientation, so a mask drawn on it maps
 * back 1:1. `values` is a view into the volume's data; copy it before changing it.
 */
export function niftiSlice(volume: NiftiVolume, k: number): NiftiSlice {
  const [width, height] = volume.geometry.dims;
  const geometry = sliceGeometry(volume.geometry, k);
  return { width, height, values: volume.data.subarray(k * width * height, (k + 1) * width * height), geometry };
}

// ---- writing ----

export type NiftiWriteType = 'uint8' | 'int16' | 'float32';

// integer types refuse values they cannot hold rather than clamp them silently
const WRITE_TYPES: Record<NiftiWriteType, { code: number; bytes: number; min: number; max: number; integer: boolean }> = {
  uint8: { code: 2, bytes: 1, min: 0, max: 255, integer: true },
  int16: { code: 4, bytes: 2, min: -32768, max: 32767, integer: true },
  float32: { code: 16, bytes: 4, min: -Infinity, max: Infinity, integer: false },
};

export interface NiftiImage {
  /** voxel values, i fastest then j then k; length = product of dims */
  data: ArrayLike<number>;
  /** dim[1..]: [nx, ny] or [nx, ny, nz]; must agree with geometry.dims */
  dims: number[];
  datatype: NiftiWriteType;
  geometry: Geometry;
  /** 'label' sets intent_code NIFTI_INTENT_LABEL (1002) */
  intent?: 'label';
}

/**
 * The file bytes of a single-file NIfTI-1 (vox_offset 352, no extension, little endian, slope 1,
 * intercept 0, empty descrip/aux_file). With a NIfTI source geometry its pixdim, qform, sform,
 * codes and spatial units are copied verbatim; otherwise qform and sform both encode the affine,
 * with qform_code = sform_code = geometry.xformCode and units mm.
 */
export function encodeNifti(image: NiftiImage, file = 'NIfTI image'): Uint8Array {
  const { data, dims, geometry } = image;
  const type = WRITE_TYPES[image.datatype];
  if (!type) throw new TypeError(`${file}: cannot write datatype ${String(image.datatype)} (uint8, int16 or float32)`);
  if (!(dims.length >= 1 && dims.length <= 7) || dims.some((n) => !(Number.isInteger(n) && n >= 1 && n <= 32767))) {
    throw new RangeError(`${file}: dims ${dims.join('×')} must be 1 to 7 integers in 1..32767`);
  }
  const spatial = [0, 1, 2].map((i) => dims[i] ?? 1);
  if (spatial.some((n, i) => n !== geometry.dims[i])) {
    throw new RangeError(`${file}: dims ${dims.join('×')} do not match the geometry ${geometry.dims.join('×')}`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`${file}: ${data.length} values for dims ${dims.join('×')} (${count} voxels)`);

  const out = new Uint8Array(352 + count * type.bytes);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, true);
  out[38] = 'r'.charCodeAt(0); // "regular", as ANALYZE readers expect
  v.setInt16(40, dims.length, true);
  dims.forEach((n, i) => v.setInt16(42 + 2 * i, n, true));
  for (let i = dims.length; i < 7; i++) v.setInt16(42 + 2 * i, 1, true);
  v.setInt16(68, image.intent === 'label' ? NIFTI_INTENT_LABEL : 0, true);
  v.setInt16(70, type.code, true);
  v.setInt16(72, type.bytes * 8, true);
  v.setFloat32(108, 352, true);
  v.setFloat32(112, 1, true);
  v.setFloat32(116, 0, true);

  const src = geometry.nifti;
  let pixdim: number[];
  let quatern: Vec3;
  let qoffset: Vec3;
  let srow: number[][];
  let qformCode: number;
  let sformCode: number;
  if (src) {
    ({ pixdim, quatern, qoffset, srow, qformCode, sformCode } = src);
    out[123] = src.spatialUnits || UNITS_MM;
  } else {
    const q = affineToQuaternion(geometry.affine);
    pixdim = [q.qfac, ...q.pixdim, 1, 1, 1, 1];
    quatern = [q.b, q.c, q.d];
    qoffset = q.qoffset;
    srow = geometry.affine.slice(0, 3);
    qformCode = sformCode = geometry.xformCode;
    out[123] = UNITS_MM;
  }
  pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setInt16(252, qformCode, true);
  v.setInt16(254, sformCode, true);
  quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
  qoffset.forEach((q, i) => v.setFloat32(268 + 4 * i, q, true));
  srow.forEach((r, i) => r.forEach((x, j) => v.setFloat32(280 + 16 * i + 4 * j, x, true)));
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"; bytes 348..351 stay 0: no extension

  const set = { uint8: (o: number, x: number) => v.setUint8(o, x), int16: (o: number, x: number) => v.setInt16(o, x, true), float32: (o: number, x: number) => v.setFloat32(o, x, true) }[image.datatype];
  for (let i = 0; i < count; i++) {
    const x = data[i];
    if (type.integer && !(Number.isInteger(x) && x >= type.min && x <= type.max)) {
      throw new RangeError(`${file}: voxel ${i} = ${x} does not fit ${image.datatype}`);
    }
    set(352 + i * type.bytes, x);
  }
  return out;
}

/** Writes a NIfTI-1 file atomically; `.nii.gz` is gzip-compressed, `.nii` is not. */
export function writeNifti(path: string, image: NiftiImage): void {
  const lower = path.toLowerCase();
  if (!lower.endsWith('.nii') && !lower.endsWith('.nii.gz')) throw new Error(`${path}: a NIfTI file name must end in .nii or .nii.gz`);
  const bytes = encodeNifti(image, path);
  writeFileAtomic(path, lower.endsWith('.gz') ? gzipSync(bytes) : bytes);
}

/** The dims a mask or image for `geometry` is written with: the NIfTI source's, else 2-D for one slice. */
export function niftiDims(geometry: Geometry): number[] {
  if (geometry.nifti) return [...geometry.nifti.dim];
  const [nx, ny, nz] = geometry.dims;
  return nz === 1 ? [nx, ny] : [nx, ny, nz];
}

/** A uint8 label mask (intent NIFTI_INTENT_LABEL) that overlays the image `geometry` came from. */
export function writeLabelMask(path: string, mask: ArrayLike<number>, geometry: Geometry): void {
  writeNifti(path, { data: mask, dims: niftiDims(geometry), datatype: 'uint8', geometry, intent: 'label' });
}

/** The image itself as NIfTI with the same header geometry as its masks, so the two always overlay. */
export function writeGreyImage(path: string, values: ArrayLike<number>, datatype: NiftiWriteType, geometry: Geometry): void {
  writeNifti(path, { data: values, dims: niftiDims(geometry), datatype, geometry });
}
