// Telling a DICOM SEG from an image before anything decodes it, so an import turns it into masks
// instead of a 1-bit image.

import { parseDicomBytes } from '../dicom/parse.ts';
import { SEGMENTATION_SOP_CLASS } from './encode.ts';

/** True when the DICOM file's SOPClassUID is Segmentation Storage; false for anything else or unreadable. */
export function isDicomSeg(bytes: Uint8Array, file = 'DICOM file'): boolean {
  try {
    const { dataSet } = parseDicomBytes(bytes, file, { untilPixelData: true });
    return dataSet.string('x00080016')?.trim() === SEGMENTATION_SOP_CLASS;
  } catch {
    return false;
  }
}
