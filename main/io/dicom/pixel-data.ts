// Where frame k's pixel data lies: a slice of native (uncompressed) samples, or the fragments of an
// encapsulated frame joined. Nothing here decodes more than the frame asked for.

import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from './errors.ts';
import type { DicomHeader } from './header.ts';
import type { PixelCodec } from './transfer-syntaxes.ts';

export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
}

export const layoutOf = (h: DicomHeader): PixelLayout => ({
  rows: h.rows,
  columns: h.columns,
  samplesPerPixel: h.samplesPerPixel,
  bitsAllocated: h.bitsAllocated,
  bitsStored: h.bitsStored,
  highBit: h.highBit,
  signed: h.pixelRepresentation === 'signed',
});

/** Checks BitsAllocated/BitsStored/HighBit; returns the shift that aligns stored bits to bit 0. */
export function storedBitsShift(file: string, l: PixelLayout): number {
  const { bitsAllocated, bitsStored, highBit } = l;
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw new DicomError(file, `unsupported BitsAllocated ${bitsAllocated} (1, 8, 16 or 32)`);
  const shift = highBit + 1 - bitsStored;
  if (bitsStored < 1 || bitsStored > bitsAllocated || shift < 0 || highBit >= bitsAllocated) {
    throw new DicomError(file, `inconsistent BitsAllocated ${bitsAllocated} / BitsStored ${bitsStored} / HighBit ${highBit}`);
  }
  return shift;
}

/**
 * Stored values of frame `frame` of native pixel data, in file order (interleaved or planar as the
 * file has them): masked to BitsStored and sign-extended when signed. Float64 holds every 32-bit value.
 * `count` is the frame's sample count (fewer than rows × columns × samples for YBR_FULL_422).
 */
export function nativeFrame(file: string, ds: DataSet, frame: number, l: PixelLayout, bigEndian: boolean, count = l.rows * l.columns * l.samplesPerPixel): Float64Array {
  const px = ds.elements.x7fe00010;
  if (!px) throw new DicomError(file, 'missing PixelData (7FE0,0010)');
  const shift = storedBitsShift(file, l);
  const bytes = ds.byteArray;
  const available = Math.min(px.length, bytes.length - px.dataOffset);
  // 1-bit frames are packed back to back with no padding between them (PS3.5 8.1.1)
  const bitStart = frame * count * l.bitsAllocated;
  const needed = Math.ceil((bitStart + count * l.bitsAllocated) / 8);
  if (available < needed) {
    throw new DicomError(file, `truncated PixelData: ${needed} bytes needed${frame > 0 ? ` up to frame ${frame}` : ''}, ${available} present`);
  }
  const out = new Float64Array(count);
  const base = px.dataOffset;
  // OW data in big endian has its bytes swapped per 16-bit word, also when BitsAllocated is 1 or 8
  const swap = bigEndian && px.vr === 'OW' && l.bitsAllocated < 16 ? 1 : 0;
  if (l.bitsAllocated === 1) {
    for (let i = 0; i < count; i++) {
      const bit = bitStart + i;
      out[i] = (bytes[base + ((bit >> 3) ^ swap)] >> (bit & 7)) & 1;
    }
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + base + bitStart / 8, count * (l.bitsAllocated / 8));
  const little = !bigEndian;
  const words32 = bigEndian && px.vr === 'OW' && l.bitsAllocated === 32;
  const bits = l.bitsStored;
  const sign = 2 ** (bits - 1);
  for (let i = 0; i < count; i++) {
    let raw: number;
    if (l.bitsAllocated === 8) raw = view.getUint8(i ^ swap);
    else if (l.bitsAllocated === 16) raw = view.getUint16(2 * i, little);
    // OW is a stream of 16-bit words: big endian swaps each word, so a 32-bit cell is low word first
    else raw = words32 ? view.getUint16(4 * i, false) + view.getUint16(4 * i + 2, false) * 65536 : view.getUint32(4 * i, little);
    // arithmetic, not 32-bit bit operators, so a 32-bit unsigned value stays positive
    let v = Math.floor(raw / 2 ** shift) % 2 ** bits;
    if (l.signed && v >= sign) v -= 2 * sign;
    out[i] = v;
  }
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Does `bytes` open a codestream of `codec`: JPEG/JPEG-LS SOI, or JPEG 2000 SOC + SIZ? */
function opensCodestream(codec: PixelCodec, b: Uint8Array): boolean {
  if (codec === 'j2k' || codec === 'htj2k') return b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51;
  if (codec === 'jpeg' || codec === 'jpeg-lossless' || codec === 'jpeg-ls') return b[0] === 0xff && b[1] === 0xd8;
  return false;
}

/**
 * The compressed bytes of frame `frame` (0-based): its fragments, found through the Extended Offset
 * Table, else the Basic Offset Table, else one fragment per frame, else by where each codestream
 * starts (an empty offset table with several fragments per frame).
 */
export function encapsulatedFrame(file: string, ds: DataSet, frame: number, frames: number, codec: PixelCodec): Uint8Array {
  const px: Element | undefined = ds.elements.x7fe00010;
  if (!px) throw new DicomError(file, 'missing PixelData (7FE0,0010)');
  const fragments = px.fragments ?? [];
  if (!px.encapsulatedPixelData || fragments.length === 0) throw new DicomError(file, 'compressed transfer syntax but the PixelData holds no fragments');
  const bytes = ds.byteArray;
  const data = (i: number) => {
    const f = fragments[i];
    if (f.position + f.length > bytes.length) throw new DicomError(file, `truncated PixelData: fragment ${i} ends past the end of the file`);
    return bytes.subarray(f.position, f.position + f.length);
  };
  if (frames === 1) return concat(fragments.map((_, i) => data(i)));

  // offsets of each frame's first fragment, relative to the first fragment's item tag
  let starts: number[] | undefined;
  const eot = ds.elements.x7fe00001;
  if (eot && eot.length >= 8 * frames) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + eot.dataOffset, eot.length);
    starts = Array.from({ length: frames }, (_, k) => Number(view.getBigUint64(8 * k, true)));
  } else if (px.basicOffsetTable && px.basicOffsetTable.length > 0) {
    starts = px.basicOffsetTable;
    if (starts.length !== frames) throw new DicomError(file, `the Basic Offset Table lists ${starts.length} frames, NumberOfFrames is ${frames}`);
  }
  let first: number[];
  if (starts) {
    first = starts.map((offset, k) => {
      const i = fragments.findIndex((f) => f.offset === offset);
      if (i < 0) throw new DicomError(file, `the offset table points frame ${k} at ${offset}, where no fragment starts`);
      return i;
    });
  } else if (fragments.length === frames) {
    first = fragments.map((_, i) => i);
  } else {
    first = [];
    fragments.forEach((_, i) => opensCodestream(codec, data(i)) && first.push(i));
    if (first.length !== frames || first[0] !== 0) {
      throw new DicomError(file, `${fragments.length} fragments with an empty offset table: found ${first.length} codestream starts for ${frames} frames`);
    }
  }
  const end = frame + 1 < frames ? first[frame + 1] : fragments.length;
  if (first[frame] >= end) throw new DicomError(file, `frame ${frame} has no fragments`);
  const parts: Uint8Array[] = [];
  for (let i = first[frame]; i < end; i++) parts.push(data(i));
  return concat(parts);
}
