/**
 * DICOM Part 10 images with uncompressed pixel data (implicit or explicit VR little endian), parsed
 * with dicom-parser. Only what display, the model and export need is returned: pixel values in
 * modality units, window, photometric flags, spacing and geometry. No patient or study text.
 */

import { readFileSync } from 'node:fs';
import dicomParser, { type DataSet } from 'dicom-parser';
import { ImageDecodeError } from './raster.ts';
import { affineFromDicom, makeGeometry, XFORM_ALIGNED, XFORM_SCANNER, type Geometry, type Vec3 } from './geometry.ts';
import { applyWindow, defaultWindow, type Window } from './window.ts';

/** A file that is not DICOM, is damaged, or holds an image this reader does not decode. */
export class DicomError extends ImageDecodeError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = 'DicomError';
  }
}

export class UnsupportedTransferSyntaxError extends DicomError {
  constructor(file: string, readonly uid: string) {
    super(file, `unsupported transfer syntax ${uid} (${transferSyntaxName(uid)})`);
    this.name = 'UnsupportedTransferSyntaxError';
  }
}

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  [IMPLICIT_VR_LITTLE_ENDIAN]: 'Implicit VR Little Endian',
  [EXPLICIT_VR_LITTLE_ENDIAN]: 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAX_NAMES[uid] ?? 'unknown';
}

export type Photometric = 'MONOCHROME1' | 'MONOCHROME2' | 'RGB' | 'YBR_FULL';

export interface DicomImage {
  /**
   * One array per frame, row-major, top row first. Grey: width × height modality values
   * (stored value × RescaleSlope + RescaleIntercept, e.g. HU). Colour: width × height × 3
   * interleaved RGB 0..255 (planar and YBR_FULL data converted). MONOCHROME1 values are NOT
   * inverted here, so header windows still apply; display with {@link dicomDisplayFrame}.
   */
  frames: Float32Array[];
  width: number;
  height: number;
  samplesPerPixel: 1 | 3;
  /** the header's first WindowCenter/WindowWidth, when it has one */
  window?: Window;
  /** low values are white: display (and the model's input) must invert after windowing */
  monochrome1: boolean;
  photometric: Photometric;
  /** Modality, e.g. 'CT', 'CR', 'US'; '' when absent */
  modality: string;
  /** dims [columns, rows, frames]; scanner frame (code 1) when the position and orientation are known */
  geometry: Geometry;
  /** [row spacing, column spacing] mm from PixelSpacing, else ImagerPixelSpacing, else null (1 mm used) */
  pixelSpacing: [number, number] | null;
  pixelSpacingSource: 'PixelSpacing' | 'ImagerPixelSpacing' | null;
  rescale: { slope: number; intercept: number };
}

// Enhanced multi-frame objects keep per-frame attributes in functional group macros.
const SHARED_GROUPS = 'x52009229';
const PER_FRAME_GROUPS = 'x52009230';
const PIXEL_MEASURES = 'x00289110';
const PLANE_POSITION = 'x00209113';
const PLANE_ORIENTATION = 'x00209116';
const FRAME_VOI_LUT = 'x00289132';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';

const firstItem = (ds: DataSet | undefined, tag: string): DataSet | undefined => ds?.elements[tag]?.items?.[0]?.dataSet;

/** The dataset holding `tag`: the top level, else the shared then first per-frame functional group. */
function holder(ds: DataSet, tag: string, macro: string): DataSet | undefined {
  if (ds.elements[tag]) return ds;
  for (const groups of [SHARED_GROUPS, PER_FRAME_GROUPS]) {
    const m = firstItem(firstItem(ds, groups), macro);
    if (m?.elements[tag]) return m;
  }
  return undefined;
}

/**
 * The first `count` values of a numeric (DS/IS) attribute; undefined when absent, an error naming
 * the attribute when they are not numbers (trailing extra values are not checked).
 */
function numbers(file: string, ds: DataSet | undefined, tag: string, name: string, count = 1): number[] | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length === 0) return undefined;
  const present = ds.numStringValues(tag) ?? 0; // floatString throws past the last value
  const values = Array.from({ length: count }, (_, i) => (i < present ? (ds.floatString(tag, i) ?? NaN) : NaN));
  if (values.some((v) => !Number.isFinite(v))) {
    throw new DicomError(file, `${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()}) does not hold ${count} number${count > 1 ? 's' : ''}: ${JSON.stringify(ds.string(tag))}`);
  }
  return values;
}

/** The first value of a display-only attribute; a malformed one is ignored, not fatal. */
function lenientNumber(ds: DataSet | undefined, tag: string): number | undefined {
  const v = ds?.elements[tag]?.length ? ds.floatString(tag, 0) : undefined;
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function required(file: string, value: number | undefined, name: string): number {
  if (value === undefined) throw new DicomError(file, `missing ${name}`);
  return value;
}

function parse(bytes: Uint8Array, file: string): DataSet {
  const fail = (e: unknown) => {
    const inner = (e as { exception?: unknown })?.exception ?? e;
    return new DicomError(file, `truncated or corrupt DICOM (${inner instanceof Error ? inner.message : String(inner)})`);
  };
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    throw new DicomError(file, "not a DICOM Part 10 file (no 'DICM' after the 128-byte preamble)");
  }
  // (0002,0000) UL FileMetaInformationGroupLength opens the meta group: 12 bytes it does not count
  const head = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 144 && head.getUint32(132, true) === 0x00000002) {
    const metaEnd = 144 + head.getUint32(140, true);
    if (metaEnd > bytes.length) throw new DicomError(file, `truncated in the file meta information (${bytes.length} of ${metaEnd} bytes)`);
  }
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (e) {
    throw fail(e);
  }
  const syntax = meta.string('x00020010');
  if (!syntax) throw new DicomError(file, 'missing TransferSyntaxUID (0002,0010) in the file meta information');
  // refuse before parsing: compressed data would parse but could not be decoded
  if (syntax !== IMPLICIT_VR_LITTLE_ENDIAN && syntax !== EXPLICIT_VR_LITTLE_ENDIAN) throw new UnsupportedTransferSyntaxError(file, syntax);
  try {
    return dicomParser.parseDicom(bytes);
  } catch (e) {
    throw fail(e);
  }
}

/** Stored values of every sample, masked to BitsStored and sign-extended when signed. */
function storedSamples(file: string, ds: DataSet, count: number, bitsAllocated: number, signed: boolean): Int32Array {
  const px = ds.elements.x7fe00010;
  if (!px) throw new DicomError(file, 'missing PixelData (7FE0,0010)');
  const bytes = ds.byteArray;
  const needed = count * (bitsAllocated / 8);
  if (px.length < needed || px.dataOffset + needed > bytes.length) {
    throw new DicomError(file, `truncated PixelData: ${needed} bytes needed, ${Math.min(px.length, bytes.length - px.dataOffset)} present`);
  }
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
  const shift = highBit + 1 - bitsStored;
  if (bitsStored < 1 || bitsStored > bitsAllocated || shift < 0 || highBit >= bitsAllocated) {
    throw new DicomError(file, `inconsistent BitsAllocated ${bitsAllocated} / BitsStored ${bitsStored} / HighBit ${highBit}`);
  }
  const mask = 2 ** bitsStored - 1;
  const sign = 2 ** (bitsStored - 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + px.dataOffset, needed);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const raw = bitsAllocated === 8 ? view.getUint8(i) : view.getUint16(2 * i, true);
    let v = (raw >>> shift) & mask;
    if (signed && v >= sign) v -= 2 * sign;
    out[i] = v;
  }
  return out;
}

function toRgb(samples: Int32Array, pixels: number, planar: boolean, ybr: boolean): Float32Array {
  const out = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const [a, b, c] = planar ? [samples[p], samples[pixels + p], samples[2 * pixels + p]] : [samples[3 * p], samples[3 * p + 1], samples[3 * p + 2]];
    if (ybr) {
      // PS3.3 C.7.6.3.1.2: YBR_FULL is full-range ITU-R BT.601 Y'CbCr
      const clamp = (v: number) => Math.min(255, Math.max(0, v));
      out[3 * p] = clamp(a + 1.402 * (c - 128));
      out[3 * p + 1] = clamp(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      out[3 * p + 2] = clamp(a + 1.772 * (b - 128));
    } else {
      out.set([a, b, c], 3 * p);
    }
  }
  return out;
}

function geometryOf(file: string, ds: DataSet, width: number, height: number, frames: number, spacing: [number, number] | null): Geometry {
  const iop = numbers(file, holder(ds, 'x00200037', PLANE_ORIENTATION), 'x00200037', 'ImageOrientationPatient', 6);
  const ipp = numbers(file, holder(ds, 'x00200032', PLANE_POSITION), 'x00200032', 'ImagePositionPatient', 3);
  const inPlane = spacing ?? [1, 1];
  const dims: Vec3 = [width, height, frames];
  if (!iop || !ipp) {
    // projection radiographs, ultrasound, secondary captures: no patient frame, so the raster
    // convention of defaultRasterAffine (upright, as an axial slice) with the file's spacing
    return makeGeometry(dims, affineFromDicom([0, 0, 0], [1, 0, 0, 0, 1, 0], inPlane, 1), XFORM_ALIGNED);
  }
  // between-frame step: the next frame's position when per-frame positions exist, else a spacing
  const second = firstItem(ds.elements[PER_FRAME_GROUPS]?.items?.[1]?.dataSet, PLANE_POSITION);
  const next = frames > 1 ? numbers(file, second, 'x00200032', 'ImagePositionPatient', 3) : undefined;
  const measures = holder(ds, 'x00180088', PIXEL_MEASURES) ?? holder(ds, 'x00180050', PIXEL_MEASURES);
  const gap = numbers(file, measures, 'x00180088', 'SpacingBetweenSlices') ?? numbers(file, measures, 'x00180050', 'SliceThickness');
  const step: number | Vec3 = next ? (next.map((v, i) => v - ipp[i]) as Vec3) : gap && gap[0] > 0 ? gap[0] : 1;
  return makeGeometry(dims, affineFromDicom(ipp as Vec3, iop, inPlane, step), XFORM_SCANNER);
}

/** Decodes a DICOM Part 10 file held in memory; `file` names it in errors. */
export function decodeDicom(bytes: Uint8Array, file: string): DicomImage {
  const ds = parse(bytes, file);
  const width = required(file, ds.uint16('x00280011'), 'Columns (0028,0011)');
  const height = required(file, ds.uint16('x00280010'), 'Rows (0028,0010)');
  if (width < 1 || height < 1) throw new DicomError(file, `empty image ${width}×${height}`);
  const bitsAllocated = required(file, ds.uint16('x00280100'), 'BitsAllocated (0028,0100)');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new DicomError(file, `unsupported BitsAllocated ${bitsAllocated} (8 or 16)`);
  const spp = ds.uint16('x00280002') ?? 1;
  const photometric = (ds.string('x00280004') ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  const colour = photometric === 'RGB' || photometric === 'YBR_FULL';
  if (!['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL'].includes(photometric)) {
    throw new DicomError(file, `unsupported PhotometricInterpretation ${photometric} (MONOCHROME1, MONOCHROME2, RGB, YBR_FULL)`);
  }
  if (spp !== (colour ? 3 : 1)) throw new DicomError(file, `SamplesPerPixel ${spp} does not fit PhotometricInterpretation ${photometric}`);
  const frames = numbers(file, ds, 'x00280008', 'NumberOfFrames')?.[0] ?? 1;
  if (!(Number.isInteger(frames) && frames >= 1)) throw new DicomError(file, `NumberOfFrames ${frames} is not a positive integer`);
  const signed = ds.uint16('x00280103') === 1;
  const pixels = width * height;
  const samples = storedSamples(file, ds, pixels * spp * frames, bitsAllocated, signed);

  const pvt = holder(ds, 'x00281053', PIXEL_VALUE_TRANSFORMATION);
  const slope = colour ? 1 : (numbers(file, pvt, 'x00281053', 'RescaleSlope')?.[0] ?? 1);
  const intercept = colour ? 0 : (numbers(file, holder(ds, 'x00281052', PIXEL_VALUE_TRANSFORMATION), 'x00281052', 'RescaleIntercept')?.[0] ?? 0);
  const out: Float32Array[] = [];
  for (let f = 0; f < frames; f++) {
    const frame = samples.subarray(f * pixels * spp, (f + 1) * pixels * spp);
    if (colour) {
      out.push(toRgb(frame, pixels, ds.uint16('x00280006') === 1, photometric === 'YBR_FULL'));
    } else {
      const values = new Float32Array(pixels);
      for (let i = 0; i < pixels; i++) values[i] = frame[i] * slope + intercept;
      out.push(values);
    }
  }

  const center = lenientNumber(holder(ds, 'x00281050', FRAME_VOI_LUT), 'x00281050');
  const windowWidth = lenientNumber(holder(ds, 'x00281051', FRAME_VOI_LUT), 'x00281051');
  const measures = holder(ds, 'x00280030', PIXEL_MEASURES);
  const fromPixel = numbers(file, measures, 'x00280030', 'PixelSpacing', 2);
  const fromImager = fromPixel ? undefined : numbers(file, ds, 'x00181164', 'ImagerPixelSpacing', 2);
  const found = fromPixel ?? fromImager;
  if (found && !(found[0] > 0 && found[1] > 0)) throw new DicomError(file, `pixel spacing ${found.join('\\')} is not positive`);
  const pixelSpacing: [number, number] | null = found ? [found[0], found[1]] : null;

  const image: DicomImage = {
    frames: out,
    width,
    height,
    samplesPerPixel: colour ? 3 : 1,
    monochrome1: photometric === 'MONOCHROME1',
    photometric: photometric as Photometric,
    modality: ds.string('x00080060') ?? '',
    geometry: geometryOf(file, ds, width, height, frames, pixelSpacing),
    pixelSpacing,
    pixelSpacingSource: fromPixel ? 'PixelSpacing' : fromImager ? 'ImagerPixelSpacing' : null,
    rescale: { slope, intercept },
  };
  // a width below 1 is invalid (C.11.2.1.2): such a window is ignored and the full range shown
  if (!colour && center !== undefined && windowWidth !== undefined && windowWidth >= 1) image.window = { center, width: windowWidth };
  return image;
}

export function readDicom(path: string): DicomImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DicomError(path, (e as Error).message);
  }
  return decodeDicom(bytes, path);
}

/**
 * A frame as 8-bit display grey (or RGB, unchanged): windowed with `window` (default: the header's
 * first, else the frame's full range) and inverted for MONOCHROME1. This is also the model's input.
 */
export function dicomDisplayFrame(image: DicomImage, frame = 0, window?: Window): Uint8Array {
  const values = image.frames[frame];
  if (!values) throw new RangeError(`frame ${frame} is outside 0..${image.frames.length - 1}`);
  if (image.samplesPerPixel === 3) return Uint8Array.from(values, (v) => Math.round(v));
  return applyWindow(values, window ?? defaultWindow(values, image), image.monochrome1);
}
