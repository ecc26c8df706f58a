// Masks are stored as deflated run lengths rather than PNG: a binary mask is mostly long runs, the
// code is a few lines with no dependency, and it is smaller (a 512² organ-shaped mask: 0.7 KB, vs
// 2.2 KB as an 8-bit PNG and 1.2 KB as a 1-bit PNG via fast-png). Exports decode and write PNG.
//
// Format: the pixels in row-major order (top row first), read as alternating runs that start with
// background (0) — so the first run may be empty — each run length an unsigned LEB128 varint, the
// whole byte string compressed with raw DEFLATE (zlib.deflateRawSync). Run lengths must add up to
// width × height; width and height live in the row next to the blob.

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { MaskSizeError } from './errors.ts';

/** Encodes a mask; any non-zero byte is foreground. Returns the blob and the foreground count. */
export function encodeMask(pixels: Uint8Array, width: number, height: number): { blob: Buffer; area: number } {
  if (pixels.length !== width * height) {
    throw new MaskSizeError(`mask has ${pixels.length} pixels but its size is ${width}×${height} = ${width * height}`);
  }
  const out: number[] = [];
  const push = (n: number) => {
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
  };
  let area = 0;
  let value = 0;
  let run = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] !== 0 ? 1 : 0;
    area += v;
    if (v === value) run++;
    else {
      push(run);
      value = v;
      run = 1;
    }
  }
  push(run);
  return { blob: deflateRawSync(Uint8Array.from(out)), area };
}

/** Decodes a blob made by encodeMask into 0/1 bytes; throws MaskSizeError if it does not fill width × height. */
export function decodeMask(blob: Uint8Array, width: number, height: number): Uint8Array {
  const bytes = inflateRawSync(blob);
  const total = width * height;
  const pixels = new Uint8Array(total);
  let at = 0;
  let value = 0;
  let i = 0;
  while (i < bytes.length) {
    let n = 0;
    let scale = 1;
    let b: number;
    do {
      if (i >= bytes.length) throw new MaskSizeError('mask data ends inside a run length');
      b = bytes[i++];
      n += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    if (at + n > total) throw new MaskSizeError(`mask data covers more than its size ${width}×${height}`);
    if (value) pixels.fill(1, at, at + n);
    at += n;
    value ^= 1;
  }
  if (at !== total) throw new MaskSizeError(`mask data covers ${at} pixels but its size is ${width}×${height} = ${total}`);
  return pixels;
}
