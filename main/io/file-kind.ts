// What a file is, from its first bytes rather than its name (hospital exports often have no or
// wrong extensions), and the size of a PNG/JPEG from its header without decoding the pixels.

import { constants, gunzipSync } from 'node:zlib';

export type FileKind = 'png' | 'jpeg' | 'dicom' | 'nifti';

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * DICOM Part 10 ('DICM' after the 128-byte preamble), or a bare data set (no preamble, as some
 * old devices write) that starts with a group 0002 or 0008 element whose VR (explicit) or length
 * (implicit) is plausible.
 */
export function isDicom(bytes: Uint8Array): boolean {
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) return true;
  if (bytes.length < 8) return false;
  const group = bytes[0] | (bytes[1] << 8);
  const element = bytes[2] | (bytes[3] << 8);
  if ((group !== 0x0002 && group !== 0x0008) || element > 0x00ff) return false;
  const explicitVr = isUpper(bytes[4]) && isUpper(bytes[5]);
  const implicitLength = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
  return explicitVr || implicitLength <= bytes.length - 8;
}

const isUpper = (b: number) => b >= 0x41 && b <= 0x5a;

/** NIfTI-1 ('n+1\0' at 344, header size 348) or NIfTI-2 ('n+2\0' at 4, size 540), either byte order. */
export function isNiftiHeader(bytes: Uint8Array): boolean {
  const sizeIs = (n: number) => bytes.length >= 4 && (u32le(bytes, 0) === n || u32be(bytes, 0) === n);
  const magic = (at: number, version: number) =>
    bytes.length >= at + 4 && bytes[at] === 0x6e && bytes[at + 1] === 0x2b && bytes[at + 2] === version && bytes[at + 3] === 0;
  return (sizeIs(348) && magic(344, 0x31)) || (sizeIs(540) && magic(4, 0x32));
}

/** The kind of file these bytes hold, or null when none we import. Gzip is looked into for NIfTI. */
export function detectFileKind(bytes: Uint8Array): FileKind | null {
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  if (isGzip(bytes)) return isNiftiHeader(gunzipHead(bytes)) ? 'nifti' : null;
  if (isNiftiHeader(bytes)) return 'nifti';
  if (isDicom(bytes)) return 'dicom';
  return null;
}

/** The first bytes of a gzip stream, inflating only a bounded prefix (no full decompression). */
function gunzipHead(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes.subarray(0, 65536), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return new Uint8Array(0);
  }
}

/** Width and height from a PNG IHDR or a JPEG SOFn marker; null when the header cannot be read. */
export function rasterHeaderSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (isPng(bytes)) {
    if (bytes.length < 24) return null;
    return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  }
  if (isJpeg(bytes)) return jpegSize(bytes);
  return null;
}

function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) return null;
    const marker = bytes[off + 1];
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      off += 2; // markers without a length
      continue;
    }
    const length = (bytes[off + 2] << 8) | bytes[off + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (off + 9 > bytes.length) return null;
      return { height: (bytes[off + 5] << 8) | bytes[off + 6], width: (bytes[off + 7] << 8) | bytes[off + 8] };
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan before any frame header
    off += 2 + length;
  }
  return null;
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
