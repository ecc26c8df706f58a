// What a SEG copies from and refers to in its source series, read from the source files' headers
// with dcmjs (which decodes their SpecificCharacterSet, so a Latin-1 patient name is copied as the
// same name into the UTF-8 SEG). Pixel data is never read.

import { readFileSync } from 'node:fs';
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { redecodeNestedText, specificCharacterSet } from './charset.ts';
import { DicomSegError } from './errors.ts';

type Vec3 = [number, number, number];

/** The DICOM file of stack slice k, and for a multi-frame file the frame (0-based) within it. */
export interface SegSourceSlice {
  path: string;
  frame?: number;
}

export interface SourceSlice {
  path: string;
  sopClassUID: string;
  sopInstanceUID: string;
  /** 1-based ReferencedFrameNumber for a frame of a multi-frame source; absent otherwise */
  frameNumber?: number;
  imagePositionPatient: Vec3;
}

export interface SourceSeries {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  rows: number;
  columns: number;
  imageOrientationPatient: [number, number, number, number, number, number];
  /** [row spacing, column spacing] mm */
  pixelSpacing: [number, number];
  sliceThickness: number | null;
  /** the distance of successive slices along the normal when it is even (1 % or 0.01 mm), else null */
  spacingBetweenSlices: number | null;
  slices: SourceSlice[];
  /** Patient, General Study and Frame of Reference attributes to copy, naturalized, as in the first source */
  copied: NaturalDataset;
}

/**
 * Copied unchanged from the source (PS3.3 A.51: the Patient, General Study, Patient Study and
 * Clinical Trial modules of the same study, and the Frame of Reference module); absent ones stay
 * absent, except the Type 2 ones, written empty. Nothing here is ever made up.
 */
const COPIED = [
  'PatientName', 'PatientID', 'IssuerOfPatientID', 'PatientBirthDate', 'PatientSex', 'OtherPatientIDsSequence',
  'PatientAge', 'PatientSize', 'PatientWeight', 'PatientIdentityRemoved', 'DeidentificationMethod',
  'ClinicalTrialSponsorName', 'ClinicalTrialProtocolID', 'ClinicalTrialProtocolName', 'ClinicalTrialSiteID', 'ClinicalTrialSiteName',
  'ClinicalTrialSubjectID', 'ClinicalTrialSubjectReadingID', 'ClinicalTrialTimePointID', 'ClinicalTrialTimePointDescription',
  'StudyInstanceUID', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber', 'StudyDescription',
  'IssuerOfAccessionNumberSequence', 'FrameOfReferenceUID', 'PositionReferenceIndicator',
] as const;
export const TYPE2_COPIED = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber', 'PositionReferenceIndicator'] as const;

const IOP_TOLERANCE = 1e-4;

function readHeader(path: string): NaturalDataset {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DicomSegError(path, `cannot read the source file: ${(e as Error).message}`);
  }
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const dict = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: false });
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    redecodeNestedText(ds, specificCharacterSet(bytes));
    return ds;
  } catch (e) {
    throw new DicomSegError(path, `not a readable DICOM file: ${(e as Error).message}`);
  }
}

const first = (v: unknown): Record<string, unknown> | undefined => (Array.isArray(v) ? v[0] : v && typeof v === 'object' ? v : undefined) as Record<string, unknown> | undefined;

function numbersOf(file: string, value: unknown, name: string, count: number): number[] {
  const values = (Array.isArray(value) ? value : [value]).map(Number);
  if (value === undefined || value === null || values.length < count || values.slice(0, count).some((v) => !Number.isFinite(v))) {
    throw new DicomSegError(file, `${name} is ${value === undefined ? 'missing' : `not ${count} number${count > 1 ? 's' : ''} (${JSON.stringify(value)})`}; a SEG needs the source's geometry`);
  }
  return values.slice(0, count);
}

/** An attribute of a frame: its per-frame functional group, else the shared one, else the top level. */
function frameAttribute(ds: NaturalDataset, frame: number | undefined, macro: string, keyword: string): unknown {
  if (frame !== undefined) {
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Record<string, unknown>[] | undefined;
    const own = first(first(perFrame?.[frame])?.[macro])?.[keyword];
    if (own !== undefined) return own;
    const shared = first(first(ds.SharedFunctionalGroupsSequence)?.[macro])?.[keyword];
    if (shared !== undefined) return shared;
  }
  return ds[keyword];
}

const text = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');

/** Reads and checks the source slices: one series, one frame of reference, one size and orientation. */
export function readSourceSeries(sources: readonly SegSourceSlice[]): SourceSeries {
  if (sources.length === 0) throw new DicomSegError('DICOM SEG', 'no source slices given');
  const headers = new Map<string, NaturalDataset>();
  const slices: SourceSlice[] = [];
  let series: Omit<SourceSeries, 'slices' | 'spacingBetweenSlices'> | undefined;
  const seen = new Set<string>();
  for (const [k, source] of sources.entries()) {
    let ds = headers.get(source.path);
    if (!ds) headers.set(source.path, (ds = readHeader(source.path)));
    const file = source.path;
    const frames = Number(ds.NumberOfFrames ?? 1);
    if (source.frame !== undefined && !(Number.isInteger(source.frame) && source.frame >= 0 && source.frame < frames)) {
      throw new DicomSegError(file, `slice ${k} names frame ${source.frame}, but the file has frames 0..${frames - 1}`);
    }
    const frame = frames > 1 ? (source.frame ?? 0) : undefined;
    const sopClassUID = text(ds.SOPClassUID);
    const sopInstanceUID = text(ds.SOPInstanceUID);
    if (!sopClassUID || !sopInstanceUID) throw new DicomSegError(file, 'missing SOPClassUID or SOPInstanceUID');
    const key = `${sopInstanceUID}#${frame ?? 0}`;
    if (seen.has(key)) throw new DicomSegError(file, `slice ${k} repeats ${frame === undefined ? 'an instance' : `frame ${frame} of an instance`} already in the stack (${sopInstanceUID})`);
    seen.add(key);
    const iop = numbersOf(file, frameAttribute(ds, frame, 'PlaneOrientationSequence', 'ImageOrientationPatient'), 'ImageOrientationPatient', 6);
    const ipp = numbersOf(file, frameAttribute(ds, frame, 'PlanePositionSequence', 'ImagePositionPatient'), 'ImagePositionPatient', 3);
    const spacing = numbersOf(file, frameAttribute(ds, frame, 'PixelMeasuresSequence', 'PixelSpacing'), 'PixelSpacing', 2);
    const thickness = Number(frameAttribute(ds, frame, 'PixelMeasuresSequence', 'SliceThickness'));
    const here = {
      studyInstanceUID: text(ds.StudyInstanceUID),
      seriesInstanceUID: text(ds.SeriesInstanceUID),
      frameOfReferenceUID: text(ds.FrameOfReferenceUID),
      rows: Number(ds.Rows),
      columns: Number(ds.Columns),
      imageOrientationPatient: iop as SourceSeries['imageOrientationPatient'],
      pixelSpacing: spacing as [number, number],
      sliceThickness: Number.isFinite(thickness) && thickness > 0 ? thickness : null,
    };
    if (!here.studyInstanceUID || !here.seriesInstanceUID) throw new DicomSegError(file, 'missing StudyInstanceUID or SeriesInstanceUID');
    if (!here.frameOfReferenceUID) throw new DicomSegError(file, 'missing FrameOfReferenceUID; a SEG of a series needs the frame of reference its positions are in');
    if (!(Number.isInteger(here.rows) && here.rows > 0 && Number.isInteger(here.columns) && here.columns > 0)) throw new DicomSegError(file, `Rows×Columns ${ds.Rows}×${ds.Columns} is not an image size`);
    if (!series) {
      series = { ...here, copied: Object.fromEntries(COPIED.filter((key) => ds[key] !== undefined).map((key) => [key, ds[key]])) };
    } else {
      const differs = (what: string, a: unknown, b: unknown) => new DicomSegError(file, `slice ${k} has ${what} ${String(b)}, slice 0 (${sources[0].path}) ${String(a)}: a SEG covers one stack of one series`);
      if (here.studyInstanceUID !== series.studyInstanceUID) throw differs('StudyInstanceUID', series.studyInstanceUID, here.studyInstanceUID);
      if (here.seriesInstanceUID !== series.seriesInstanceUID) throw differs('SeriesInstanceUID', series.seriesInstanceUID, here.seriesInstanceUID);
      if (here.frameOfReferenceUID !== series.frameOfReferenceUID) throw differs('FrameOfReferenceUID', series.frameOfReferenceUID, here.frameOfReferenceUID);
      if (here.rows !== series.rows || here.columns !== series.columns) throw differs('size', `${series.columns}×${series.rows}`, `${here.columns}×${here.rows}`);
      if (iop.some((v, i) => Math.abs(v - series!.imageOrientationPatient[i]) > IOP_TOLERANCE)) throw differs('ImageOrientationPatient', series.imageOrientationPatient.join('\\'), iop.join('\\'));
      if (spacing.some((v, i) => Math.abs(v - series!.pixelSpacing[i]) > 1e-4 * v)) throw differs('PixelSpacing', series.pixelSpacing.join('\\'), spacing.join('\\'));
    }
    slices.push({ path: file, sopClassUID, sopInstanceUID, ...(frame === undefined ? {} : { frameNumber: frame + 1 }), imagePositionPatient: ipp as Vec3 });
  }
  return { ...series!, slices, spacingBetweenSlices: evenSpacing(series!.imageOrientationPatient, slices.map((s) => s.imagePositionPatient)) };
}

/** |Δ(IPP·n)| of successive slices when every step agrees within 1 % or 0.01 mm; null otherwise or for one slice. */
export function evenSpacing(iop: readonly number[], positions: readonly Vec3[]): number | null {
  if (positions.length < 2) return null;
  const n = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
  const along = positions.map((p) => p[0] * n[0] + p[1] * n[1] + p[2] * n[2]);
  const steps = along.slice(1).map((d, i) => d - along[i]);
  const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
  if (Math.abs(mean) < 1e-6) return null;
  const tolerance = Math.max(0.01, 0.01 * Math.abs(mean));
  // rounded to µm: a DS value holds 16 characters
  return steps.every((s) => Math.abs(s - mean) <= tolerance) ? Number(Math.abs(mean).toFixed(6)) : null;
}
