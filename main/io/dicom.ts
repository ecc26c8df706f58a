/**
 * DICOM Part 10 images, parsed with dicom-parser, in every transfer syntax of
 * `dicom/transfer-syntaxes.ts` that has a codec: native little/big endian and deflated, RLE, JPEG,
 * JPEG lossless, JPEG-LS, JPEG 2000 and HTJ2K (`dicom/codecs.ts`), BitsAllocated 1, 8, 16 and 32.
 * Only what display, the model and export need is returned: pixel values in modality units, window,
 * photometric flags, spacing and geometry. No patient or study text.
 *
 * - `decodeDicom` / `readDicom`: every frame decoded (the single-image path).
 * - `openDicom`: the header, and any one frame decoded on demand (multi-frame and series import).
 * - `readDicomHeader` / `readDicomHeaderFile`: the header alone, parsed up to the pixel data.
 * Decoding is synchronous; `loadCodecs()` optionally prepares the WASM decoders ahead of time.
 */

import { readFileSync } from 'node:fs';
import { affineFromDicom, makeGeometry, XFORM_ALIGNED, XFORM_SCANNER, type Geometry, type Vec3 } from './geometry.ts';
import { applyWindow, defaultWindow, type Window } from './window.ts';
import { DicomError } from './dicom/errors.ts';
import { frameDecoder } from './dicom/frames.ts';
import { headerOf, type DicomHeader } from './dicom/header.ts';
import { parseDicomBytes } from './dicom/parse.ts';

export { CorruptFrameError, DicomError, UnsupportedTransferSyntaxError } from './dicom/errors.ts';
export { loadCodecs } from './dicom/codecs.ts';
export { readDicomHeader, readDicomHeaderFile, type DicomFrameHeader, type DicomHeader } from './dicom/header.ts';
export { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, TRANSFER_SYNTAXES, transferSyntax, transferSyntaxName, type TransferSyntax } from './dicom/transfer-syntaxes.ts';

/** As in the file; colour frames are always returned as RGB whatever their stored colour space. */
export type Photometric = 'MONOCHROME1' | 'MONOCHROME2' | 'RGB' | 'YBR_FULL' | 'YBR_FULL_422' | 'YBR_RCT' | 'YBR_ICT';

export interface DicomImage {
  /**
   * One array per frame, row-major, top row first. Grey: width × height modality values
   * (stored value × RescaleSlope + RescaleIntercept, e.g. HU; per frame in enhanced objects).
   * Colour: width × height × 3 interleaved RGB 0..255 (planar and Y'CbCr data converted).
   * MONOCHROME1 values are NOT inverted here, so header windows still apply; display with
   * {@link dicomDisplayFrame}. 32-bit values beyond 2^24 are rounded to float32.
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
  /** the first frame's (enhanced objects may rescale each frame differently: see `header.frames`) */
  rescale: { slope: number; intercept: number };
}

/** A parsed file whose frames decode one at a time. */
export interface DicomFrames {
  header: DicomHeader;
  /** frame `k` (0-based) as in {@link DicomImage.frames}; throws CorruptFrameError naming the frame */
  decodeFrame(k: number): Float32Array;
}

function geometryOf(h: DicomHeader): Geometry {
  const { imageOrientationPatient: iop, imagePositionPatient: ipp } = h;
  const inPlane = h.pixelSpacing ?? [1, 1];
  const dims: Vec3 = [h.columns, h.rows, h.numberOfFrames];
  if (!iop || !ipp) {
    // projection radiographs, ultrasound, secondary captures: no patient frame, so the raster
    // convention of defaultRasterAffine (upright, as an axial slice) with the file's spacing
    return makeGeometry(dims, affineFromDicom([0, 0, 0], [1, 0, 0, 0, 1, 0], inPlane, 1), XFORM_ALIGNED);
  }
  // between-frame step: the next frame's position when per-frame positions exist, else a spacing
  const next = h.numberOfFrames > 1 ? h.frames?.[1]?.imagePositionPatient : undefined;
  const gap = h.spacingBetweenSlices ?? h.sliceThickness;
  const step: number | Vec3 = next ? (next.map((v, i) => v - ipp[i]) as Vec3) : gap !== null && gap > 0 ? gap : 1;
  return makeGeometry(dims, affineFromDicom(ipp, iop, inPlane, step), XFORM_SCANNER);
}

/** Parses a DICOM Part 10 file held in memory; frames decode on demand. `file` names it in errors. */
export function openDicom(bytes: Uint8Array, file: string): DicomFrames {
  const { dataSet, syntax } = parseDicomBytes(bytes, file);
  const header = headerOf(dataSet, syntax, file);
  return { header, decodeFrame: frameDecoder(file, dataSet, syntax, header) };
}

/** Decodes a DICOM Part 10 file held in memory, every frame; `file` names it in errors. */
export function decodeDicom(bytes: Uint8Array, file: string): DicomImage {
  const { dataSet, syntax } = parseDicomBytes(bytes, file);
  const h = headerOf(dataSet, syntax, file);
  const decodeFrame = frameDecoder(file, dataSet, syntax, h);
  const frames = Array.from({ length: h.numberOfFrames }, (_, k) => decodeFrame(k));
  const colour = h.samplesPerPixel === 3;
  const image: DicomImage = {
    frames,
    width: h.columns,
    height: h.rows,
    samplesPerPixel: colour ? 3 : 1,
    monochrome1: h.photometricInterpretation === 'MONOCHROME1',
    photometric: h.photometricInterpretation as Photometric,
    modality: h.modality,
    geometry: geometryOf(h),
    pixelSpacing: h.pixelSpacing,
    pixelSpacingSource: h.pixelSpacingSource,
    rescale: colour ? { slope: 1, intercept: 0 } : h.rescale,
  };
  if (!colour && h.window) image.window = h.window;
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
