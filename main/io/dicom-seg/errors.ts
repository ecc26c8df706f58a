// Errors of the DICOM SEG reader and writer: each names the file (or the input) that is wrong.

export class DicomSegError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DicomSegError';
  }
}
