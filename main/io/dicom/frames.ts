// Frame k of a parsed DICOM file as modality values (grey) or RGB: native samples or one
// encapsulated frame through its codec, then sign, colour space and rescale. Frames are independent,
// so a caller can decode frame k alone.

import type { DataSet } from 'dicom-parser';
import { CodecError, decodeJpegLossless, decodeWasm, jpegPrecision, type CodecFrame } from './codecs.ts';
import { CorruptFrameError, DicomError, UnsupportedTransferSyntaxError } from './errors.ts';
import type { DicomHeader } from './header.ts';
import { encapsulatedFrame, layoutOf, nativeFrame, storedBitsShift, type PixelLayout } from './pixel-data.ts';
import { decodeRle, RleError } from './rle.ts';
import type { TransferSyntax } from './transfer-syntaxes.ts';

const COLOUR = ['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT'];
const GREY = ['MONOCHROME1', 'MONOCHROME2'];

/** Refuses what the frame decoder cannot turn into grey or RGB, before any pixel is read. */
export function checkPixelModule(file: string, h: DicomHeader, syntax: TransferSyntax): void {
  if (syntax.codec === null) throw new UnsupportedTransferSyntaxError(file, syntax.uid);
  const p = h.photometricInterpretation;
  if (!COLOUR.includes(p) && !GREY.includes(p)) throw new DicomError(file, `unsupported PhotometricInterpretation ${p} (${[...GREY, ...COLOUR].join(', ')})`);
  const colour = COLOUR.includes(p);
  if (h.samplesPerPixel !== (colour ? 3 : 1)) throw new DicomError(file, `SamplesPerPixel ${h.samplesPerPixel} does not fit PhotometricInterpretation ${p}`);
  storedBitsShift(file, layoutOf(h));
  if (syntax.codec !== 'native' && h.bitsAllocated === 1) throw new DicomError(file, `BitsAllocated 1 in ${syntax.name}: only native 1-bit data is defined`);
}

/** Full-range BT.601 Y'CbCr (PS3.3 C.7.6.3.1.2) to RGB, clamped to 0..255. */
function ybrToRgb(out: Float32Array, at: number, y: number, cb: number, cr: number): void {
  const clamp = (v: number) => Math.min(255, Math.max(0, v));
  out[at] = clamp(y + 1.402 * (cr - 128));
  out[at + 1] = clamp(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128));
  out[at + 2] = clamp(y + 1.772 * (cb - 128));
}

function toRgb(samples: ArrayLike<number>, pixels: number, planar: boolean, ybr: boolean): Float32Array {
  const out = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const [a, b, c] = planar ? [samples[p], samples[pixels + p], samples[2 * pixels + p]] : [samples[3 * p], samples[3 * p + 1], samples[3 * p + 2]];
    if (ybr) ybrToRgb(out, 3 * p, a, b, c);
    else out.set([a, b, c], 3 * p);
  }
  return out;
}

/** Native YBR_FULL_422: each pair of pixels is stored as Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2). */
function ybr422ToRgb(samples: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height * 3);
  const pairs = Math.ceil(width / 2);
  for (let row = 0; row < height; row++) {
    for (let q = 0; q < pairs; q++) {
      const s = 4 * (row * pairs + q);
      for (let j = 0; j < 2 && 2 * q + j < width; j++) ybrToRgb(out, 3 * (row * width + 2 * q + j), samples[s + j], samples[s + 2], samples[s + 3]);
    }
  }
  return out;
}

/** A codec's samples as stored values: codecs that do not know the sign return the raw bits. */
function codecValues(f: CodecFrame, l: PixelLayout): ArrayLike<number> {
  if (!l.signed || f.signed) return f.samples;
  const bits = Math.min(l.bitsStored, f.bitsPerSample > 8 ? 16 : 8);
  const sign = 2 ** (bits - 1);
  return Float64Array.from(f.samples, (v) => (v >= sign ? v - 2 * sign : v));
}

export type FrameDecoder = (frame: number) => Float32Array;

/**
 * A function decoding any one frame of `ds` (checked with {@link checkPixelModule} first): grey
 * frames as modality values (per-frame rescale for enhanced objects), colour frames as interleaved
 * RGB 0..255.
 */
export function frameDecoder(file: string, ds: DataSet, syntax: TransferSyntax, h: DicomHeader): FrameDecoder {
  checkPixelModule(file, h, syntax);
  const l = layoutOf(h);
  const { rows, columns } = l;
  const pixels = rows * columns;
  const p = h.photometricInterpretation;
  const colour = COLOUR.includes(p);
  const shift = storedBitsShift(file, l);
  const codec = syntax.codec!;

  const stored = (frame: number): { values: ArrayLike<number>; planar: boolean; ybr: boolean } => {
    if (codec === 'native') {
      if (p === 'YBR_FULL_422') return { values: nativeFrame(file, ds, frame, l, syntax.bigEndian, pixels * 2), planar: false, ybr: true };
      return { values: nativeFrame(file, ds, frame, l, syntax.bigEndian), planar: h.planarConfiguration === 1, ybr: p === 'YBR_FULL' };
    }
    const data = encapsulatedFrame(file, ds, frame, h.numberOfFrames, codec);
    const corrupt = (e: unknown) => (e instanceof CodecError || e instanceof RleError ? new CorruptFrameError(file, frame, syntax.uid, e.message) : e);
    if (codec === 'rle') {
      let words: Float64Array;
      try {
        words = decodeRle(data, pixels, l.samplesPerPixel, l.bitsAllocated / 8);
      } catch (e) {
        throw corrupt(e);
      }
      // composite words as in native data: stored bits under HighBit, sign-extended
      const bits = l.bitsStored;
      const sign = 2 ** (bits - 1);
      for (let i = 0; i < words.length; i++) {
        let v = Math.floor(words[i] / 2 ** shift) % 2 ** bits;
        if (l.signed && v >= sign) v -= 2 * sign;
        words[i] = v;
      }
      return { values: words, planar: true, ybr: p === 'YBR_FULL' || p === 'YBR_FULL_422' };
    }
    let f: CodecFrame;
    try {
      if (codec === 'jpeg') {
        const precision = jpegPrecision(data);
        if (precision !== null && precision > 8) {
          throw new UnsupportedTransferSyntaxError(file, syntax.uid, `${precision}-bit lossy JPEG (process 4) has no maintained JavaScript or WebAssembly decoder; only 8-bit JPEG is decoded`);
        }
        f = decodeWasm('jpeg', data);
      } else if (codec === 'jpeg-lossless') f = decodeJpegLossless(data, l.bitsAllocated);
      else f = decodeWasm(codec, data);
    } catch (e) {
      throw corrupt(e);
    }
    if (f.width !== columns || f.height !== rows || f.components !== l.samplesPerPixel) {
      throw new CorruptFrameError(file, frame, syntax.uid, `decodes to ${f.width}×${f.height}×${f.components}, the header says ${columns}×${rows}×${l.samplesPerPixel}`);
    }
    // libjpeg converts JPEG's Y'CbCr to RGB itself, and OpenJPEG/OpenJPH undo the RCT/ICT; a
    // YBR_FULL codestream without that transform still needs converting
    const ybr = codec !== 'jpeg' && (p === 'YBR_FULL' || p === 'YBR_FULL_422');
    return { values: codecValues(f, l), planar: f.planar, ybr };
  };

  return (frame: number) => {
    if (!(Number.isInteger(frame) && frame >= 0 && frame < h.numberOfFrames)) throw new RangeError(`frame ${frame} is outside 0..${h.numberOfFrames - 1}`);
    const { values, planar, ybr } = stored(frame);
    if (colour) return codec === 'native' && p === 'YBR_FULL_422' ? ybr422ToRgb(values, columns, rows) : toRgb(values, pixels, planar, ybr);
    const { slope, intercept } = h.frames?.[frame]?.rescale ?? h.rescale;
    const out = new Float32Array(pixels);
    for (let i = 0; i < pixels; i++) out[i] = values[i] * slope + intercept;
    return out;
  };
}
