// DICOM Segmentation (SEG) objects: writing a binary SEG of one source stack and reading any SEG
// back into segments and per-frame masks. See main/io/dicom-seg/ and docs/formats.md.

export { encodeDicomSeg, writeDicomSeg, localTypeCode, SEGMENTATION_SOP_CLASS, LOCAL_CODING_SCHEME, IMPLEMENTATION_CLASS_UID } from './dicom-seg/encode.ts';
export type { SegSegment, SegOptions, SegCode, SegAlgorithmType, SegSourceSlice } from './dicom-seg/encode.ts';
export { decodeDicomSeg } from './dicom-seg/decode.ts';
export type { DecodedSeg, DecodedSegment, DecodedSegFrame } from './dicom-seg/decode.ts';
export { DicomSegError } from './dicom-seg/errors.ts';
export { isDicomSeg } from './dicom-seg/detect.ts';
export { hexToDicomLab, dicomLabToHex } from './dicom-seg/colour.ts';
export { newUid } from './dicom-seg/uid.ts';
