// The part of dcmjs (no bundled types) that the DICOM SEG reader and writer use. Datasets are
// "naturalized": attributes by keyword, sequences as arrays of objects, PN as {Alphabetic}.

declare module 'dcmjs' {
  export type NaturalDataset = Record<string, unknown> & { _vrMap?: Record<string, string>; _meta?: unknown };
  export interface DenaturalDataset {
    [tag: string]: { vr: string; Value?: unknown[] };
  }
  export class DicomDict {
    constructor(meta: DenaturalDataset);
    meta: DenaturalDataset;
    dict: DenaturalDataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  export const DicomMessage: {
    readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean; noCopy?: boolean; forceStoreRaw?: boolean }): DicomDict;
  };
  export const DicomMetaDictionary: {
    naturalizeDataset(dataset: DenaturalDataset): NaturalDataset;
    denaturalizeDataset(dataset: NaturalDataset): DenaturalDataset;
  };
  export const Colors: {
    /** 8-bit sRGB → DICOM CIELab (PCS, D50 white), each value 0..65535, rounded and clamped */
    rgb82DICOMLAB(rgb: ArrayLike<number>): number[];
    /** DICOM CIELab → 8-bit sRGB, rounded and clamped */
    dicomlab2RGB8(lab: ArrayLike<number>): number[];
  };
  const dcmjs: {
    data: {
      DicomDict: typeof DicomDict;
      DicomMessage: typeof DicomMessage;
      DicomMetaDictionary: typeof DicomMetaDictionary;
      Colors: typeof Colors;
    };
  };
  export default dcmjs;
}
