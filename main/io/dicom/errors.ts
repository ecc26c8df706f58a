// The DICOM reader's errors. Every message names the file (through ImageDecodeError), so an import of
// hundreds of files can report each failure and go on.

import { ImageDecodeError } from '../raster.ts';
import { transferSyntaxName } from './transfer-syntaxes.ts';

/** A file that is not DICOM, is damaged, or holds an image this reader does not decode. */
export class DicomError extends ImageDecodeError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = 'DicomError';
  }
}

/** Pixel data in a transfer syntax (or a variant of one) that no bundled decoder handles. */
export class UnsupportedTransferSyntaxError extends DicomError {
  constructor(
    file: string,
    readonly uid: string,
    detail?: string,
  ) {
    super(file, `unsupported transfer syntax ${uid} (${transferSyntaxName(uid)})${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedTransferSyntaxError';
  }
}

/** One frame's compressed data that its decoder rejects or that decodes to the wrong size. */
export class CorruptFrameError extends DicomError {
  constructor(
    file: string,
    readonly frame: number,
    readonly uid: string,
    reason: string,
  ) {
    super(file, `frame ${frame} (${transferSyntaxName(uid)}, ${uid}) is corrupt: ${reason}`);
    this.name = 'CorruptFrameError';
  }
}
