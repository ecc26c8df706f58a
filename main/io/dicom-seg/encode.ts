// Writes a binary DICOM Segmentation (PS3.3 A.51, SOP Class 1.2.840.10008.5.1.4.1.1.66.4) of one
// source stack: one segment per label, one 1-bit frame per (segment, slice) that has foreground,
// each frame referring to its source image and carrying that slice's position.
//
// The dataset is built here, attribute by attribute, as a dcmjs "naturalized" dataset and
// serialised by dcmjs's DicomDict.write() (explicit VR little endian). dcmjs's own SEG helper
// (derivations.Segmentation) was not used: it derives the SEG from a multi-frame dataset normalised
// from the full source datasets, pixels included, mints UIDs with Math.random(), and its output
// would have to be patched for omitted slices and our UID root anyway (docs/architecture.md).

import { readFileSync } from 'node:fs';
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { writeFileAtomic } from '../../fs/atomic.ts';
import { hexToDicomLab } from './colour.ts';
import { DicomSegError } from './errors.ts';
import { readSourceSeries, TYPE2_COPIED, type SegSourceSlice } from './sources.ts';
import { checkUidRoot, newUid } from './uid.ts';

export type { SegSourceSlice } from './sources.ts';

export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
/** Delineate's implementation class UID: a fixed UUID-derived UID (2.25 arc), made once */
export const IMPLEMENTATION_CLASS_UID = '2.25.161950542813938102419442476624478217303';
/** The private coding scheme of segment categories and types that have no standard code */
export const LOCAL_CODING_SCHEME = '99DLN';

export type SegAlgorithmType = 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';

export interface SegCode {
  value: string;
  scheme: string;
  meaning: string;
}

export interface SegSegment {
  label: string;
  /** '#rrggbb', written as RecommendedDisplayCIELabValue */
  color: string;
  /** AUTOMATIC: the model and adapter; name required unless MANUAL */
  algorithm: { type: SegAlgorithmType; name?: string; version?: string };
  /** per stack slice k: rows × columns bytes, row-major, non-zero inside; null or all zero: none */
  masks: readonly (Uint8Array | null)[];
  /** SegmentedPropertyCategory/TypeCodeSequence; default: local codes (99DLN) naming the label */
  category?: SegCode;
  type?: SegCode;
}

export interface SegOptions {
  seriesDescription?: string;
  seriesNumber?: number;
  /** an organisation's UID root for the new Series/SOP Instance UIDs; default: the 2.25 UUID arc */
  uidRoot?: string;
  /** the content and instance creation date/time (local time); default now */
  now?: Date;
  /** ContentCreatorName (PN); default empty */
  contentCreator?: string;
  /** SoftwareVersions; default this package's version */
  softwareVersion?: string;
  /** ManufacturerModelName; default 'Delineate' */
  modelName?: string;
  /** DeviceSerialNumber (Type 1 in Enhanced General Equipment); default '0' */
  deviceSerialNumber?: string;
}

/** Category of segments without a standard code: the local scheme's one category. */
const LOCAL_CATEGORY: SegCode = { value: 'R1', scheme: LOCAL_CODING_SCHEME, meaning: 'Delineate label' };
const DERIVATION = { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' };
const PURPOSE = { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' };
// (0062,000B) ReferencedSegmentNumber in (0062,000A) SegmentIdentificationSequence; (0020,0032) in (0020,9113)
const SEGMENT_POINTER = 0x0062000b;
const SEGMENT_GROUP = 0x0062000a;
const POSITION_POINTER = 0x00200032;
const POSITION_GROUP = 0x00209113;

/** The local type code of a label: a stable code value from its text, so one label gets one code in every export. */
export function localTypeCode(label: string): SegCode {
  let h = 0x811c9dc5; // FNV-1a over the UTF-16 code units of the case-folded label
  for (const c of label.trim().toLowerCase()) {
    for (let i = 0; i < c.length; i++) h = Math.imul(h ^ c.charCodeAt(i), 0x01000193) >>> 0;
  }
  return { value: `L${h.toString(16).toUpperCase().padStart(8, '0')}`, scheme: LOCAL_CODING_SCHEME, meaning: label.slice(0, 64) };
}

const code = (c: SegCode) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dicomDate = (d: Date) => `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
const dicomTime = (d: Date) => `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
// eslint-disable-next-line no-control-regex
const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

let packageVersion: string | undefined;
const defaultSoftwareVersion = (): string =>
  (packageVersion ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);

function hasForeground(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) return true;
  return false;
}

function checkSegments(segments: readonly SegSegment[], slices: number, pixels: number, size: string): void {
  if (segments.length === 0) throw new DicomSegError('DICOM SEG', 'no segments given');
  if (segments.length > 65535) throw new DicomSegError('DICOM SEG', `${segments.length} segments; a SEG holds at most 65535`);
  segments.forEach((s, i) => {
    const name = `segment ${i + 1} (${JSON.stringify(s.label)})`;
    if (!s.label.trim()) throw new DicomSegError('DICOM SEG', `segment ${i + 1} has an empty label`);
    if (s.algorithm.type !== 'MANUAL' && !s.algorithm.name?.trim()) throw new DicomSegError('DICOM SEG', `${name} is ${s.algorithm.type} but names no algorithm`);
    if (!['AUTOMATIC', 'SEMIAUTOMATIC', 'MANUAL'].includes(s.algorithm.type)) throw new DicomSegError('DICOM SEG', `${name} has algorithm type ${JSON.stringify(s.algorithm.type)}`);
    if (s.masks.length !== slices) throw new DicomSegError('DICOM SEG', `${name} has masks for ${s.masks.length} slices, the source stack has ${slices}`);
    s.masks.forEach((m, k) => {
      if (m && m.length !== pixels) throw new DicomSegError('DICOM SEG', `${name}, slice ${k}: mask has ${m.length} pixels, the source is ${size} (${pixels})`);
    });
    try {
      hexToDicomLab(s.color);
    } catch (e) {
      throw new DicomSegError('DICOM SEG', `${name}: ${(e as Error).message}`);
    }
  });
}

/**
 * The SEG file's bytes for `segments` over the stack `sources` (slice k of every segment's masks is
 * `sources[k]`). Source headers are read from disk; a source that is not one series with one frame
 * of reference, size and orientation is an error naming the file.
 */
export function encodeDicomSeg(sources: readonly SegSourceSlice[], segments: readonly SegSegment[], options: SegOptions = {}): Uint8Array {
  if (options.uidRoot !== undefined) checkUidRoot(options.uidRoot);
  const series = readSourceSeries(sources);
  const { rows, columns } = series;
  const pixels = rows * columns;
  checkSegments(segments, series.slices.length, pixels, `${columns}×${rows}`);
  const now = options.now ?? new Date();
  const date = dicomDate(now);
  const time = dicomTime(now);

  // frames: segment-major, then stack order; empty slices are left out
  const frames: { segment: number; slice: number; mask: Uint8Array }[] = [];
  segments.forEach((s, i) => s.masks.forEach((m, k) => m && hasForeground(m) && frames.push({ segment: i + 1, slice: k, mask: m })));

  // 1 bit per pixel, frames back to back (a frame may end inside a byte), first pixel in bit 0
  const bytes = Math.ceil((frames.length * pixels) / 8);
  const packed = new Uint8Array(bytes + (bytes % 2)); // even length; the pad bits are zero
  frames.forEach(({ mask }, f) => {
    const base = f * pixels;
    for (let i = 0; i < pixels; i++) if (mask[i] !== 0) packed[(base + i) >> 3] |= 1 << ((base + i) & 7);
  });

  const dimensionUid = newUid(options.uidRoot);
  const seriesUid = newUid(options.uidRoot);
  const instanceUid = newUid(options.uidRoot);
  const usesLocalCodes = segments.some((s) => !s.category || !s.type || s.category.scheme === LOCAL_CODING_SCHEME || s.type.scheme === LOCAL_CODING_SCHEME);
  const instances = new Map(series.slices.map((s) => [s.sopInstanceUID, s.sopClassUID]));

  const copied: NaturalDataset = { ...series.copied };
  for (const key of TYPE2_COPIED) copied[key] ??= '';
  const ds: NaturalDataset = {
    ...copied,
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: instanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    // General Series, Segmentation Series
    Modality: 'SEG',
    SeriesInstanceUID: seriesUid,
    SeriesNumber: options.seriesNumber ?? 1,
    SeriesDate: date,
    SeriesTime: time,
    ...(options.seriesDescription ? { SeriesDescription: options.seriesDescription.slice(0, 64) } : {}),
    // General Equipment, Enhanced General Equipment
    Manufacturer: 'Delineate',
    ManufacturerModelName: options.modelName ?? 'Delineate',
    DeviceSerialNumber: options.deviceSerialNumber ?? '0',
    SoftwareVersions: options.softwareVersion ?? defaultSoftwareVersion(),
    // General Image, Segmentation Image (Content Identification)
    InstanceNumber: 1,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: '',
    ContentCreatorName: options.contentCreator ? [{ Alphabetic: options.contentCreator }] : '',
    ContentDate: date,
    ContentTime: time,
    // Image Pixel: 1-bit binary frames
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentSequence: segments.map((s, i) => ({
      SegmentNumber: i + 1,
      SegmentLabel: s.label.slice(0, 64),
      SegmentAlgorithmType: s.algorithm.type,
      ...(s.algorithm.type === 'MANUAL'
        ? {}
        : {
            SegmentAlgorithmName: s.algorithm.name!.slice(0, 64),
            // Segmentation Algorithm Identification: the model (and adapter) that produced the masks
            SegmentationAlgorithmIdentificationSequence: [
              {
                AlgorithmFamilyCodeSequence: [{ CodeValue: '123109', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Artificial Intelligence' }],
                AlgorithmName: s.algorithm.name!.slice(0, 64),
                AlgorithmVersion: (s.algorithm.version ?? 'unknown').slice(0, 64),
              },
            ],
          }),
      SegmentedPropertyCategoryCodeSequence: [code(s.category ?? LOCAL_CATEGORY)],
      SegmentedPropertyTypeCodeSequence: [code(s.type ?? localTypeCode(s.label))],
      RecommendedDisplayCIELabValue: hexToDicomLab(s.color),
    })),
    // Multi-frame Functional Groups, Multi-frame Dimension
    NumberOfFrames: frames.length,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionUid }],
    DimensionOrganizationType: '3D',
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionUid, DimensionIndexPointer: SEGMENT_POINTER, FunctionalGroupPointer: SEGMENT_GROUP, DimensionDescriptionLabel: 'ReferencedSegmentNumber' },
      { DimensionOrganizationUID: dimensionUid, DimensionIndexPointer: POSITION_POINTER, FunctionalGroupPointer: POSITION_GROUP, DimensionDescriptionLabel: 'ImagePositionPatient' },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: series.imageOrientationPatient }],
        PixelMeasuresSequence: [
          {
            PixelSpacing: series.pixelSpacing,
            // the source's thickness; a source that states none gets the stack's spacing, if even
            ...(series.sliceThickness ?? series.spacingBetweenSlices ? { SliceThickness: series.sliceThickness ?? series.spacingBetweenSlices } : {}),
            ...(series.spacingBetweenSlices ? { SpacingBetweenSlices: series.spacingBetweenSlices } : {}),
          },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map(({ segment, slice }) => {
      const source = series.slices[slice];
      return {
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: source.sopClassUID,
                ReferencedSOPInstanceUID: source.sopInstanceUID,
                ...(source.frameNumber === undefined ? {} : { ReferencedFrameNumber: source.frameNumber }),
                PurposeOfReferenceCodeSequence: [PURPOSE],
              },
            ],
            DerivationCodeSequence: [DERIVATION],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [segment, slice + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: source.imagePositionPatient }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment }],
      };
    }),
    // Common Instance Reference: the source series and every instance of the stack
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: series.seriesInstanceUID,
        ReferencedInstanceSequence: [...instances].map(([uid, cls]) => ({ ReferencedSOPClassUID: cls, ReferencedSOPInstanceUID: uid })),
      },
    ],
    ...(usesLocalCodes
      ? { CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: LOCAL_CODING_SCHEME, CodingSchemeName: 'Delineate local labels', CodingSchemeResponsibleOrganization: 'Delineate' }] }
      : {}),
    PixelData: [packed.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const strings = JSON.stringify([copied, segments.map((s) => [s.label, s.category, s.type, s.algorithm]), options.seriesDescription, options.contentCreator]);
  if (!isAscii(strings)) ds.SpecificCharacterSet = 'ISO_IR 192'; // dcmjs writes text as UTF-8

  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_SOP_CLASS,
    MediaStorageSOPInstanceUID: instanceUid,
    TransferSyntaxUID: EXPLICIT_LITTLE,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'DELINEATE',
  };
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write());
}

/** {@link encodeDicomSeg} written to `outPath` atomically (a temporary sibling renamed into place). */
export async function writeDicomSeg(outPath: string, sources: readonly SegSourceSlice[], segments: readonly SegSegment[], options: SegOptions = {}): Promise<void> {
  writeFileAtomic(outPath, encodeDicomSeg(sources, segments, options));
}
