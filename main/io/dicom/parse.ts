// Part 10 parsing with dicom-parser: the file meta checks, deflated datasets inflated with node:zlib,
// and an option to stop at the pixel data so headers can be read without touching pixels.

import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { DicomError } from './errors.ts';
import { transferSyntax, type TransferSyntax } from './transfer-syntaxes.ts';

export const PIXEL_DATA = 'x7fe00010';

export interface ParsedDicom {
  dataSet: DataSet;
  syntax: TransferSyntax;
}

/** Thrown with the error dicom-parser raised, so a header reader can tell "needs more bytes". */
export class DicomParseError extends DicomError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = 'DicomError';
  }
}

/**
 * Parses a Part 10 file. With `untilPixelData` parsing stops at (7FE0,0010): its element is present
 * but its value is not read, so `bytes` may end anywhere after its header.
 */
export function parseDicomBytes(bytes: Uint8Array, file: string, options: { untilPixelData?: boolean } = {}): ParsedDicom {
  const fail = (e: unknown) => {
    const inner = (e as { exception?: unknown })?.exception ?? e;
    return new DicomParseError(file, `truncated or corrupt DICOM (${inner instanceof Error ? inner.message : String(inner)})`);
  };
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    throw new DicomError(file, "not a DICOM Part 10 file (no 'DICM' after the 128-byte preamble)");
  }
  // (0002,0000) UL FileMetaInformationGroupLength opens the meta group: 12 bytes it does not count
  const head = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 144 && head.getUint32(132, true) === 0x00000002) {
    const metaEnd = 144 + head.getUint32(140, true);
    if (metaEnd > bytes.length) throw new DicomError(file, `truncated in the file meta information (${bytes.length} of ${metaEnd} bytes)`);
  }
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (e) {
    throw fail(e);
  }
  const uid = meta.string('x00020010');
  if (!uid) throw new DicomError(file, 'missing TransferSyntaxUID (0002,0010) in the file meta information');
  const syntax = transferSyntax(uid);
  try {
    const dataSet = dicomParser.parseDicom(bytes, {
      ...(options.untilPixelData ? { untilTag: PIXEL_DATA } : {}),
      // dicom-parser's own Node path needs a Buffer; this works for any Uint8Array
      inflater: (all: Uint8Array, position: number) => {
        const inflated = inflateRawSync(all.subarray(position));
        const whole = new Uint8Array(position + inflated.length);
        whole.set(all.subarray(0, position));
        whole.set(inflated, position);
        return whole;
      },
    } as Parameters<typeof dicomParser.parseDicom>[1]);
    return { dataSet, syntax };
  } catch (e) {
    throw fail(e);
  }
}
