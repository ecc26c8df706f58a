// What an importer needs to know about a DICOM file without decoding its pixels: identity (UIDs),
// series keys, geometry (per frame for enhanced multi-frame objects) and the pixel module.

import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import type { DataSet } from 'dicom-parser';
import type { Vec3 } from '../geometry.ts';
import type { Window } from '../window.ts';
import { DicomError } from './errors.ts';
import { DicomParseError, parseDicomBytes, PIXEL_DATA } from './parse.ts';
import type { TransferSyntax } from './transfer-syntaxes.ts';

/** PixelMeasures/PlanePosition/PlaneOrientation/PixelValueTransformation of one frame. */
export interface DicomFrameHeader {
  /** ImagePositionPatient (LPS mm) of the frame's first pixel; null when not given */
  imagePositionPatient: Vec3 | null;
  /** ImageOrientationPatient: row direction cosines then column direction cosines */
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  /** [row spacing, column spacing] mm */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  rescale: { slope: number; intercept: number };
  window: Window | null;
  /** FrameContentSequence: DimensionIndexValues, TemporalPositionIndex, StackID, InStackPositionNumber */
  dimensionIndexValues: number[] | null;
  temporalPositionIndex: number | null;
  stackId: string | null;
  inStackPositionNumber: number | null;
}

export interface DicomHeader {
  file: string;
  transferSyntaxUID: string;
  transferSyntaxName: string;
  /** false when the reader names the syntax but has no decoder for it */
  pixelsDecodable: boolean;
  sopClassUID: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string | null;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  instanceNumber: number | null;
  acquisitionNumber: number | null;
  /** EchoNumbers (IS, may hold several) */
  echoNumbers: number[] | null;
  temporalPositionIdentifier: number | null;
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 'unsigned' | 'signed';
  planarConfiguration: 0 | 1;
  /**
   * The top-level values, or for enhanced multi-frame objects those of the shared functional groups,
   * else of the first frame's: the same rule the single-image reader always used.
   */
  imagePositionPatient: Vec3 | null;
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  pixelSpacing: [number, number] | null;
  pixelSpacingSource: 'PixelSpacing' | 'ImagerPixelSpacing' | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  rescale: { slope: number; intercept: number };
  /** the first WindowCenter/WindowWidth (width ≥ 1), else null */
  window: Window | null;
  /**
   * Enhanced multi-frame only (the file has Shared or Per-frame Functional Groups): one entry per
   * frame, each value from the frame's own functional group, else the shared one, else the top
   * level. null for classic objects, whose frames have no geometry of their own.
   */
  frames: DicomFrameHeader[] | null;
}

// Enhanced multi-frame objects keep per-frame attributes in functional group macros.
export const SHARED_GROUPS = 'x52009229';
export const PER_FRAME_GROUPS = 'x52009230';
const PIXEL_MEASURES = 'x00289110';
const PLANE_POSITION = 'x00209113';
const PLANE_ORIENTATION = 'x00209116';
const FRAME_VOI_LUT = 'x00289132';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const FRAME_CONTENT = 'x00209111';

const firstItem = (ds: DataSet | undefined, tag: string): DataSet | undefined => ds?.elements[tag]?.items?.[0]?.dataSet;
const tagName = (tag: string) => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;

/**
 * The first `count` values of a numeric (DS/IS) attribute; undefined when absent, an error naming
 * the attribute when they are not numbers (trailing extra values are not checked).
 */
export function numbers(file: string, ds: DataSet | undefined, tag: string, name: string, count = 1): number[] | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length === 0) return undefined;
  const present = ds.numStringValues(tag) ?? 0; // floatString throws past the last value
  const values = Array.from({ length: count }, (_, i) => (i < present ? (ds.floatString(tag, i) ?? NaN) : NaN));
  if (values.some((v) => !Number.isFinite(v))) {
    throw new DicomError(file, `${name} ${tagName(tag)} does not hold ${count} number${count > 1 ? 's' : ''}: ${JSON.stringify(ds.string(tag))}`);
  }
  return values;
}

/** Every value of a multi-valued IS/DS attribute; a malformed one is ignored (series keys only). */
function allNumbers(ds: DataSet | undefined, tag: string): number[] | null {
  if (!ds?.elements[tag]?.length) return null;
  const n = ds.numStringValues(tag) ?? 0;
  const values = Array.from({ length: n }, (_, i) => ds.floatString(tag, i) ?? NaN);
  return values.length && values.every(Number.isFinite) ? values : null;
}

/** The first value of a display-only attribute; a malformed one is ignored, not fatal. */
function lenientNumber(ds: DataSet | undefined, tag: string): number | null {
  const v = ds?.elements[tag]?.length ? ds.floatString(tag, 0) : undefined;
  return v !== undefined && Number.isFinite(v) ? v : null;
}

const text = (ds: DataSet | undefined, tag: string): string => ds?.string(tag)?.trim() ?? '';
const uint = (ds: DataSet, tag: string): number | undefined => (ds.elements[tag]?.length ? ds.uint16(tag) : undefined);

function required(file: string, value: number | undefined, name: string): number {
  if (value === undefined) throw new DicomError(file, `missing ${name}`);
  return value;
}

/** A frame's (or the top level's) geometry and value transform, each looked up in `sources` in order. */
function frameHeader(file: string, sources: (DataSet | undefined)[], pick: (ds: DataSet | undefined, macro: string) => DataSet | undefined): DicomFrameHeader {
  const find = (tag: string, macro: string) => {
    for (const s of sources) {
      const h = pick(s, macro);
      if (h?.elements[tag]) return h;
    }
    return undefined;
  };
  const iop = numbers(file, find('x00200037', PLANE_ORIENTATION), 'x00200037', 'ImageOrientationPatient', 6);
  const ipp = numbers(file, find('x00200032', PLANE_POSITION), 'x00200032', 'ImagePositionPatient', 3);
  const spacing = numbers(file, find('x00280030', PIXEL_MEASURES), 'x00280030', 'PixelSpacing', 2);
  if (spacing && !(spacing[0] > 0 && spacing[1] > 0)) throw new DicomError(file, `pixel spacing ${spacing.join('\\')} is not positive`);
  const center = lenientNumber(find('x00281050', FRAME_VOI_LUT), 'x00281050');
  const width = lenientNumber(find('x00281051', FRAME_VOI_LUT), 'x00281051');
  const content = find('x00209157', FRAME_CONTENT) ?? find('x00209128', FRAME_CONTENT) ?? find('x00209056', FRAME_CONTENT);
  return {
    imagePositionPatient: ipp ? (ipp as Vec3) : null,
    imageOrientationPatient: iop ? (iop as DicomFrameHeader['imageOrientationPatient']) : null,
    pixelSpacing: spacing ? [spacing[0], spacing[1]] : null,
    sliceThickness: numbers(file, find('x00180050', PIXEL_MEASURES), 'x00180050', 'SliceThickness')?.[0] ?? null,
    spacingBetweenSlices: numbers(file, find('x00180088', PIXEL_MEASURES), 'x00180088', 'SpacingBetweenSlices')?.[0] ?? null,
    rescale: {
      slope: numbers(file, find('x00281053', PIXEL_VALUE_TRANSFORMATION), 'x00281053', 'RescaleSlope')?.[0] ?? 1,
      intercept: numbers(file, find('x00281052', PIXEL_VALUE_TRANSFORMATION), 'x00281052', 'RescaleIntercept')?.[0] ?? 0,
    },
    // a width below 1 is invalid (C.11.2.1.2): such a window is ignored and the full range shown
    window: center !== null && width !== null && width >= 1 ? { center, width } : null,
    dimensionIndexValues: content?.elements.x00209157 ? Array.from({ length: content.elements.x00209157.length / 4 }, (_, i) => content.uint32('x00209157', i) ?? 0) : null,
    temporalPositionIndex: content?.elements.x00209128?.length ? (content.uint32('x00209128') ?? null) : null,
    stackId: text(content, 'x00209056') || null,
    inStackPositionNumber: content?.elements.x00209057?.length ? (content.uint32('x00209057') ?? null) : null,
  };
}

/** The header of a parsed dataset (see {@link readDicomHeader}). */
export function headerOf(ds: DataSet, syntax: TransferSyntax, file: string): DicomHeader {
  const columns = required(file, uint(ds, 'x00280011'), 'Columns (0028,0011)');
  const rows = required(file, uint(ds, 'x00280010'), 'Rows (0028,0010)');
  if (columns < 1 || rows < 1) throw new DicomError(file, `empty image ${columns}×${rows}`);
  const bitsAllocated = required(file, uint(ds, 'x00280100'), 'BitsAllocated (0028,0100)');
  const bitsStored = uint(ds, 'x00280101') ?? bitsAllocated;
  const spp = uint(ds, 'x00280002') ?? 1;
  const numberOfFrames = numbers(file, ds, 'x00280008', 'NumberOfFrames')?.[0] ?? 1;
  if (!(Number.isInteger(numberOfFrames) && numberOfFrames >= 1)) throw new DicomError(file, `NumberOfFrames ${numberOfFrames} is not a positive integer`);

  // top level first, then the shared group, then the first frame's (the single-image rule)
  const top = frameHeader(file, [ds], (s) => s);
  const shared = firstItem(ds, SHARED_GROUPS);
  const perFrame = ds.elements[PER_FRAME_GROUPS]?.items ?? [];
  const inGroup = (s: DataSet | undefined, macro: string) => firstItem(s, macro);
  const enhanced = shared !== undefined || perFrame.length > 0;
  const first = enhanced ? frameHeader(file, [ds, shared, perFrame[0]?.dataSet], (s, macro) => (s === ds ? s : inGroup(s, macro))) : top;
  let frames: DicomFrameHeader[] | null = null;
  if (enhanced) {
    frames = Array.from({ length: numberOfFrames }, (_, k) => frameHeader(file, [perFrame[k]?.dataSet, shared, ds], (s, macro) => (s === ds ? s : inGroup(s, macro))));
  }
  const imager = first.pixelSpacing ? undefined : numbers(file, ds, 'x00181164', 'ImagerPixelSpacing', 2);
  if (imager && !(imager[0] > 0 && imager[1] > 0)) throw new DicomError(file, `pixel spacing ${imager.join('\\')} is not positive`);

  const single = (tag: string) => lenientNumber(ds, tag);
  return {
    file,
    transferSyntaxUID: syntax.uid,
    transferSyntaxName: syntax.name,
    pixelsDecodable: syntax.codec !== null,
    sopClassUID: text(ds, 'x00080016'),
    sopInstanceUID: text(ds, 'x00080018'),
    studyInstanceUID: text(ds, 'x0020000d'),
    seriesInstanceUID: text(ds, 'x0020000e'),
    frameOfReferenceUID: text(ds, 'x00200052') || null,
    modality: text(ds, 'x00080060'),
    seriesDescription: text(ds, 'x0008103e'),
    seriesNumber: single('x00200011'),
    instanceNumber: single('x00200013'),
    acquisitionNumber: single('x00200012'),
    echoNumbers: allNumbers(ds, 'x00180086'),
    temporalPositionIdentifier: single('x00200100'),
    rows,
    columns,
    numberOfFrames,
    samplesPerPixel: spp,
    photometricInterpretation: (text(ds, 'x00280004') || (spp === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase(),
    bitsAllocated,
    bitsStored,
    highBit: uint(ds, 'x00280102') ?? bitsStored - 1,
    pixelRepresentation: uint(ds, 'x00280103') === 1 ? 'signed' : 'unsigned',
    planarConfiguration: uint(ds, 'x00280006') === 1 ? 1 : 0,
    imagePositionPatient: first.imagePositionPatient,
    imageOrientationPatient: first.imageOrientationPatient,
    pixelSpacing: first.pixelSpacing ?? (imager ? [imager[0], imager[1]] : null),
    pixelSpacingSource: first.pixelSpacing ? 'PixelSpacing' : imager ? 'ImagerPixelSpacing' : null,
    sliceThickness: first.sliceThickness,
    spacingBetweenSlices: first.spacingBetweenSlices,
    rescale: first.rescale,
    window: first.window,
    frames,
  };
}

/**
 * The header of a DICOM file held in memory, parsed up to the pixel data (whose value is never
 * read or decoded). Throws DicomError for a file that is not DICOM or lacks the image pixel module;
 * a file whose transfer syntax has no decoder still gets a header (`pixelsDecodable` false).
 */
export function readDicomHeader(bytes: Uint8Array, file: string): DicomHeader {
  const { dataSet, syntax } = parseDicomBytes(bytes, file, { untilPixelData: true });
  return headerOf(dataSet, syntax, file);
}

/**
 * {@link readDicomHeader} for a file on disk that reads only its start: 64 KiB, then twice as much
 * until the header ends (the whole file when the dataset is deflated or the pixel data comes last).
 */
export function readDicomHeaderFile(path: string): DicomHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DicomError(path, (e as Error).message);
  }
  try {
    const size = fstatSync(fd).size;
    for (let want = Math.min(size, 64 * 1024); ; want = Math.min(size, want * 2)) {
      const bytes = new Uint8Array(want);
      const got = readSync(fd, bytes, 0, want, 0);
      const complete = got >= size;
      try {
        const { dataSet, syntax } = parseDicomBytes(bytes.subarray(0, got), path, { untilPixelData: true });
        // a prefix can parse cleanly and still miss attributes past its end: trust it only once the
        // pixel data element is reached (a deflated prefix would inflate only part of the dataset)
        if (complete || (dataSet.elements[PIXEL_DATA] && !syntax.deflated)) return headerOf(dataSet, syntax, path);
      } catch (e) {
        // cut inside an element or the deflate stream: read more
        if (complete || !(e instanceof DicomParseError)) throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
}
