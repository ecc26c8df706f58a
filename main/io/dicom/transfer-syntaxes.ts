// Transfer syntaxes: how each one's dataset and pixel data are encoded, and which decoder reads it.

/** How a frame's pixel data is stored: native (uncompressed) or the codec of its fragments. */
export type PixelCodec = 'native' | 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k' | 'htj2k';

export interface TransferSyntax {
  uid: string;
  name: string;
  /** null: the reader names it and refuses its pixel data */
  codec: PixelCodec | null;
  bigEndian: boolean;
  /** the dataset after the file meta information is a raw deflate stream (PS3.5 A.5) */
  deflated: boolean;
  lossy: boolean;
}

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

const row = (uid: string, name: string, codec: PixelCodec | null, lossy = false, more: Partial<TransferSyntax> = {}): TransferSyntax => ({ uid, name, codec, bigEndian: false, deflated: false, lossy, ...more });

export const TRANSFER_SYNTAXES: readonly TransferSyntax[] = [
  row(IMPLICIT_VR_LITTLE_ENDIAN, 'Implicit VR Little Endian', 'native'),
  row(EXPLICIT_VR_LITTLE_ENDIAN, 'Explicit VR Little Endian', 'native'),
  row(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, 'Deflated Explicit VR Little Endian', 'native', false, { deflated: true }),
  row(EXPLICIT_VR_BIG_ENDIAN, 'Explicit VR Big Endian', 'native', false, { bigEndian: true }),
  row('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  row('1.2.840.10008.1.2.4.50', 'JPEG Baseline', 'jpeg', true),
  row('1.2.840.10008.1.2.4.51', 'JPEG Extended', 'jpeg', true),
  row('1.2.840.10008.1.2.4.57', 'JPEG Lossless', 'jpeg-lossless'),
  row('1.2.840.10008.1.2.4.70', 'JPEG Lossless SV1', 'jpeg-lossless'),
  row('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  row('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls', true),
  row('1.2.840.10008.1.2.4.90', 'JPEG 2000 Lossless', 'j2k'),
  row('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'j2k', true),
  row('1.2.840.10008.1.2.4.201', 'HTJ2K Lossless', 'htj2k'),
  row('1.2.840.10008.1.2.4.202', 'HTJ2K Lossless RPCL', 'htj2k'),
  row('1.2.840.10008.1.2.4.203', 'HTJ2K', 'htj2k', true),
  // named so the error says what the file is; video and JPEG XL have no decoder here
  row('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile', null, true),
  row('1.2.840.10008.1.2.4.101', 'MPEG2 High Profile', null, true),
  row('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264', null, true),
  row('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD', null, true),
  row('1.2.840.10008.1.2.4.107', 'HEVC/H.265', null, true),
  row('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10', null, true),
  row('1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', null),
  row('1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', null),
  row('1.2.840.10008.1.2.4.112', 'JPEG XL', null, true),
  row('1.2.840.10008.1.2.4.52', 'JPEG Extended (Process 3 & 5, retired)', null, true),
  row('1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection (retired)', null, true),
  row('1.2.840.10008.1.2.4.55', 'JPEG Full Progression (retired)', null, true),
  row('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Lossless', null),
  row('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', null, true),
  row('1.2.840.10008.1.2.4.94', 'JPIP Referenced', null),
  row('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', null),
];

const BY_UID = new Map(TRANSFER_SYNTAXES.map((t) => [t.uid, t]));

/** The syntax of `uid`; an unknown UID reads as explicit little endian (every newer syntax is) with no decoder. */
export function transferSyntax(uid: string): TransferSyntax {
  return BY_UID.get(uid) ?? row(uid, 'unknown', null);
}

export function transferSyntaxName(uid: string): string {
  return transferSyntax(uid).name;
}
