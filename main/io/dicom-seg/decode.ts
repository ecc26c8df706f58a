// Reads a DICOM Segmentation (ours or another tool's: dcmqi, highdicom, OHIF, Slicer) into its
// segments and frames, each frame with the source image it was derived from, its segment, its
// position and a 0/1 mask. BINARY frames are 1 bit per pixel packed back to back, so a frame can
// start inside a byte; FRACTIONAL frames (8 bits) are thresholded at half of MaximumFractionalValue
// (inside where 2·value ≥ max: probability or occupancy ≥ 0.5).

import dcmjs, { type NaturalDataset } from 'dcmjs';
import { redecodeNestedText, specificCharacterSet } from './charset.ts';
import { dicomLabToHex } from './colour.ts';
import { DicomSegError } from './errors.ts';
import { SEGMENTATION_SOP_CLASS, type SegAlgorithmType } from './encode.ts';

/** Transfer syntaxes whose pixel data is native (not encapsulated): the ones this reader decodes */
const NATIVE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);

export interface DecodedSegment {
  number: number;
  label: string;
  /** '#rrggbb' from RecommendedDisplayCIELabValue; null when the SEG gives none */
  color: string | null;
  algorithm: { type: SegAlgorithmType | string; name: string | null };
  category: { value: string; scheme: string; meaning: string } | null;
  type: { value: string; scheme: string; meaning: string } | null;
}

export interface DecodedSegFrame {
  /** 0-based frame index in the SEG */
  index: number;
  segmentNumber: number;
  /** the source image this frame was derived from (first SourceImageSequence item); null when not given */
  referencedSOPInstanceUID: string | null;
  referencedSOPClassUID: string | null;
  /** 1-based frame of a multi-frame source; null for single-frame sources */
  referencedFrameNumber: number | null;
  imagePositionPatient: [number, number, number] | null;
  /** rows × columns, 0/1, row-major */
  mask: Uint8Array;
}

export interface DecodedSeg {
  file: string;
  sopInstanceUID: string;
  seriesInstanceUID: string;
  studyInstanceUID: string;
  frameOfReferenceUID: string | null;
  patientID: string;
  segmentationType: 'BINARY' | 'FRACTIONAL';
  rows: number;
  columns: number;
  imageOrientationPatient: number[] | null;
  segments: DecodedSegment[];
  frames: DecodedSegFrame[];
  /** the SOP Instance UIDs ReferencedSeriesSequence lists, by series */
  referencedSeries: { seriesInstanceUID: string; sopInstanceUIDs: string[] }[];
}

type Item = Record<string, unknown>;
const first = (v: unknown): Item | undefined => (Array.isArray(v) ? (v[0] as Item | undefined) : v && typeof v === 'object' && !ArrayBuffer.isView(v) ? (v as Item) : undefined);
const items = (v: unknown): Item[] => (Array.isArray(v) ? (v as Item[]) : v && typeof v === 'object' ? [v as Item] : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '').trim();
const num = (v: unknown): number | null => {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || v === null || v === '' || !Number.isFinite(n) ? null : n;
};
const codeOf = (v: unknown) => {
  const c = first(v);
  return c ? { value: text(c.CodeValue), scheme: text(c.CodingSchemeDesignator), meaning: text(c.CodeMeaning) } : null;
};

/** An attribute of frame f: its per-frame functional group macro, else the shared one. */
function groupAttribute(ds: NaturalDataset, f: number, macro: string, keyword: string): unknown {
  const own = first(first((ds.PerFrameFunctionalGroupsSequence as unknown[] | undefined)?.[f])?.[macro])?.[keyword];
  return own !== undefined ? own : first(first(ds.SharedFunctionalGroupsSequence)?.[macro])?.[keyword];
}

/** The pixel data's bytes (dcmjs gives native pixel data as one ArrayBuffer, or a list of them). */
function pixelBytes(file: string, value: unknown): Uint8Array {
  const parts = (Array.isArray(value) ? value : [value]).filter((p): p is ArrayBuffer | ArrayBufferView => p instanceof ArrayBuffer || ArrayBuffer.isView(p));
  if (parts.length === 0) throw new DicomSegError(file, 'no PixelData');
  const views = parts.map((p) => (p instanceof ArrayBuffer ? new Uint8Array(p) : new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
  if (views.length === 1) return views[0];
  const all = new Uint8Array(views.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of views) all.set(v, (at += v.length) - v.length);
  return all;
}

/** Reads a SEG file's bytes; `file` names it in errors. */
export function decodeDicomSeg(bytes: Uint8Array, file: string): DecodedSeg {
  let ds: NaturalDataset;
  let syntax: string;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const dict = dcmjs.data.DicomMessage.readFile(buffer);
    syntax = text(dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta).TransferSyntaxUID);
    ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    redecodeNestedText(ds, specificCharacterSet(bytes));
  } catch (e) {
    throw new DicomSegError(file, `not a readable DICOM file: ${(e as Error).message}`);
  }
  if (text(ds.SOPClassUID) !== SEGMENTATION_SOP_CLASS) throw new DicomSegError(file, `not a DICOM Segmentation (SOP Class ${text(ds.SOPClassUID) || 'missing'}, expected ${SEGMENTATION_SOP_CLASS})`);
  if (!NATIVE.has(syntax)) throw new DicomSegError(file, `compressed SEG pixel data (transfer syntax ${syntax}) is not supported; convert it to explicit little endian first (dcmtk: dcmdrle / dcmconv +te)`);
  const type = text(ds.SegmentationType);
  if (type !== 'BINARY' && type !== 'FRACTIONAL') throw new DicomSegError(file, `SegmentationType ${JSON.stringify(type)} is neither BINARY nor FRACTIONAL`);
  const rows = num(ds.Rows) ?? 0;
  const columns = num(ds.Columns) ?? 0;
  if (!(rows > 0 && columns > 0)) throw new DicomSegError(file, `Rows×Columns ${String(ds.Rows)}×${String(ds.Columns)} is not an image size`);
  const frameCount = num(ds.NumberOfFrames) ?? 1;
  const bits = num(ds.BitsAllocated);
  if (bits !== (type === 'BINARY' ? 1 : 8)) throw new DicomSegError(file, `${type} SEG with BitsAllocated ${String(bits)} (expected ${type === 'BINARY' ? 1 : 8})`);

  const segments: DecodedSegment[] = items(ds.SegmentSequence).map((s) => {
    const lab = s.RecommendedDisplayCIELabValue as number[] | undefined;
    return {
      number: num(s.SegmentNumber) ?? 0,
      label: text(s.SegmentLabel),
      color: Array.isArray(lab) && lab.length === 3 ? dicomLabToHex(lab) : null,
      algorithm: { type: text(s.SegmentAlgorithmType), name: text(s.SegmentAlgorithmName) || null },
      category: codeOf(s.SegmentedPropertyCategoryCodeSequence),
      type: codeOf(s.SegmentedPropertyTypeCodeSequence),
    };
  });
  if (segments.length === 0) throw new DicomSegError(file, 'SegmentSequence is empty');
  const numbers = new Set(segments.map((s) => s.number));

  const pixels = rows * columns;
  const data = pixelBytes(file, ds.PixelData);
  const needed = type === 'BINARY' ? Math.ceil((frameCount * pixels) / 8) : frameCount * pixels;
  if (data.length < needed) throw new DicomSegError(file, `PixelData holds ${data.length} bytes, ${frameCount} frames of ${columns}×${rows} need ${needed}`);
  const max = type === 'FRACTIONAL' ? (num(ds.MaximumFractionalValue) ?? 255) : 1;

  const frames: DecodedSegFrame[] = [];
  for (let f = 0; f < frameCount; f++) {
    const segmentNumber = num(groupAttribute(ds, f, 'SegmentIdentificationSequence', 'ReferencedSegmentNumber')) ?? (segments.length === 1 ? segments[0].number : null);
    if (segmentNumber === null || !numbers.has(segmentNumber)) throw new DicomSegError(file, `frame ${f + 1} refers to segment ${String(segmentNumber)}, which SegmentSequence does not define`);
    const source = first(groupAttribute(ds, f, 'DerivationImageSequence', 'SourceImageSequence'));
    const ipp = groupAttribute(ds, f, 'PlanePositionSequence', 'ImagePositionPatient');
    const position = Array.isArray(ipp) && ipp.length >= 3 && ipp.slice(0, 3).every((v) => Number.isFinite(Number(v))) ? (ipp.slice(0, 3).map(Number) as [number, number, number]) : null;
    const mask = new Uint8Array(pixels);
    if (type === 'BINARY') {
      const base = f * pixels;
      for (let i = 0; i < pixels; i++) mask[i] = (data[(base + i) >> 3] >> ((base + i) & 7)) & 1;
    } else {
      const base = f * pixels;
      for (let i = 0; i < pixels; i++) mask[i] = data[base + i] > 0 && 2 * data[base + i] >= max ? 1 : 0;
    }
    frames.push({
      index: f,
      segmentNumber,
      referencedSOPInstanceUID: text(source?.ReferencedSOPInstanceUID) || null,
      referencedSOPClassUID: text(source?.ReferencedSOPClassUID) || null,
      referencedFrameNumber: num(source?.ReferencedFrameNumber),
      imagePositionPatient: position,
      mask,
    });
  }
  return {
    file,
    sopInstanceUID: text(ds.SOPInstanceUID),
    seriesInstanceUID: text(ds.SeriesInstanceUID),
    studyInstanceUID: text(ds.StudyInstanceUID),
    frameOfReferenceUID: text(ds.FrameOfReferenceUID) || null,
    patientID: text(ds.PatientID),
    segmentationType: type,
    rows,
    columns,
    imageOrientationPatient: ((o) => (Array.isArray(o) ? o.map(Number) : null))(groupAttribute(ds, 0, 'PlaneOrientationSequence', 'ImageOrientationPatient')),
    segments,
    frames,
    referencedSeries: items(ds.ReferencedSeriesSequence).map((s) => ({
      seriesInstanceUID: text(s.SeriesInstanceUID),
      sopInstanceUIDs: items(s.ReferencedInstanceSequence).map((r) => text(r.ReferencedSOPInstanceUID)),
    })),
  };
}
