// PNG and JPEG files to a Raster. The format is taken from the first bytes, never the file name
// (hospital exports often carry no or wrong extensions). Every failure (corrupt, truncated,
// unsupported, too large) becomes an ImageDecodeError that names the source and the reason.
// PNG samples keep their bit depth (16-bit stays 16-bit); palettes expand to RGB(A); 1/2/4-bit
// grey scales to 8-bit. A tRNS colour key on a grey or RGB PNG is ignored (no alpha channel is
// made for it): the model drops alpha anyway.

import { decode as decodePngData, encode as encodePngData } from 'fast-png';
import jpeg from 'jpeg-js';
import { detectFileKind, isJpeg, isPng } from './file-kind.ts';
import { ImageDecodeError, type Raster } from './raster.ts';

export interface DecodeOptions {
  /**
   * Largest image accepted, in pixels (default 100 million, jpeg-js's own default). Checked from
   * the header before any pixel memory is allocated, so a hostile header cannot exhaust memory.
   */
  maxPixels?: number;
}

const DEFAULT_MAX_PIXELS = 100_000_000;

/** Decodes a PNG (any bit depth or colour type) or a baseline/progressive JPEG. */
export function decodeImage(bytes: Uint8Array, source: string, options: DecodeOptions = {}): Raster {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) throw new ImageDecodeError(source, 'the file is empty');
  if (isPng(bytes)) return decodePng(bytes, source, maxPixels);
  if (isJpeg(bytes)) return decodeJpeg(bytes, source, maxPixels);
  const kind = detectFileKind(bytes);
  if (kind) throw new ImageDecodeError(source, `it is a ${kind.toUpperCase()} file, not a PNG or JPEG image`);
  throw new ImageDecodeError(source, `not a PNG or JPEG file (unrecognised signature ${hexPrefix(bytes)})`);
}

/** Encodes a Raster as a PNG (deflate only; no text chunks, so no metadata can leak into it). */
export function encodePng(raster: Raster): Uint8Array {
  const { width, height, channels, bitDepth, data } = raster;
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePng: data has ${data.length} values, expected ${width}×${height}×${channels} = ${width * height * channels}`);
  }
  if ((bitDepth === 16) !== data instanceof Uint16Array) {
    throw new TypeError(`encodePng: bitDepth ${bitDepth} needs a ${bitDepth === 16 ? 'Uint16Array' : 'Uint8Array'}`);
  }
  return encodePngData({ width, height, data, depth: bitDepth, channels });
}

// ---- PNG -----------------------------------------------------------------------------------

const PNG_COLOUR_TYPES: Record<number, { name: string; channels: 1 | 2 | 3 | 4; depths: number[] }> = {
  0: { name: 'grey', channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', channels: 3, depths: [8, 16] },
  3: { name: 'palette', channels: 1, depths: [1, 2, 4, 8] },
  4: { name: 'grey+alpha', channels: 2, depths: [8, 16] },
  6: { name: 'RGBA', channels: 4, depths: [8, 16] },
};

function decodePng(bytes: Uint8Array, source: string, maxPixels: number): Raster {
  // IHDR is read here rather than trusted to fast-png: the colour type decides palette expansion
  // (fast-png also reports a PLTE that is only a suggested palette of an RGB image) and the size
  // must be checked before fast-png allocates the pixels.
  if (bytes.length < 33) throw new ImageDecodeError(source, 'truncated PNG (it ends inside the header)');
  if (ascii(bytes, 12, 4) !== 'IHDR') throw new ImageDecodeError(source, 'corrupt PNG (the first chunk is not IHDR)');
  const width = u32be(bytes, 16);
  const height = u32be(bytes, 20);
  const depth = bytes[24];
  const colourType = bytes[25];
  const layout = PNG_COLOUR_TYPES[colourType];
  if (!layout) throw new ImageDecodeError(source, `corrupt PNG (unknown colour type ${colourType})`);
  if (!layout.depths.includes(depth)) throw new ImageDecodeError(source, `corrupt PNG (bit depth ${depth} is not allowed for ${layout.name} images)`);
  checkSize(source, width, height, maxPixels);

  let png;
  try {
    png = decodePngData(bytes, { checkCrc: true });
  } catch (e) {
    throw new ImageDecodeError(source, pngFailure(e));
  }
  if (png.width !== width || png.height !== height) throw new ImageDecodeError(source, 'corrupt PNG (inconsistent header)');

  if (colourType === 3) {
    if (!png.palette || png.palette.length === 0) throw new ImageDecodeError(source, 'corrupt PNG (palette image without a PLTE chunk)');
    return expandPalette(png.data as Uint8Array, width, height, depth, png.palette, source);
  }
  if (depth < 8) return { width, height, channels: 1, bitDepth: 8, data: unpackGrey(png.data as Uint8Array, width, height, depth) };
  const expected = width * height * layout.channels;
  if (png.data.length !== expected) throw new ImageDecodeError(source, `corrupt PNG (${png.data.length} samples decoded, expected ${expected})`);
  if (depth === 16) return { width, height, channels: layout.channels, bitDepth: 16, data: png.data as Uint16Array };
  // fast-png may hand back a Uint8ClampedArray; callers always get a plain Uint8Array.
  const data = png.data instanceof Uint8Array && png.data.constructor === Uint8Array ? png.data : new Uint8Array(png.data);
  return { width, height, channels: layout.channels, bitDepth: 8, data };
}

function pngFailure(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  // fast-png reads chunks through a DataView; running off its end means the file was cut short.
  if (e instanceof RangeError && /outside the bounds|out of range/i.test(message)) return 'truncated PNG (the data ends before the IEND chunk)';
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  // An image-data stream that inflates to too few bytes: the IDAT chunks were cut short.
  if (/decompress/i.test(message) && /typed array length|unexpected end|incomplete/i.test(`${message}${cause}`)) {
    return 'truncated or corrupt PNG (its compressed image data ends early)';
  }
  return `corrupt PNG (${message.replace(/:$/, '')}${cause})`;
}

/** 1/2/4-bit grey, rows padded to whole bytes, to 8-bit scaled so that the maximum stays white. */
function unpackGrey(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const scale = 255 / ((1 << depth) - 1); // 255, 85 or 17: exact integers
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)];
      out[y * width + x] = ((byte >> (8 - depth - (bit & 7))) & mask) * scale;
    }
  }
  return out;
}

/** Palette indices to RGB, or RGBA when a tRNS chunk gives the palette alpha. */
function expandPalette(packed: Uint8Array, width: number, height: number, depth: number, palette: number[][], source: string): Raster {
  const channels = palette[0].length === 4 ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const index = (packed[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
      const colour = palette[index];
      if (!colour) throw new ImageDecodeError(source, `corrupt PNG (pixel x ${x}, y ${y} uses palette entry ${index} of ${palette.length})`);
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = colour[c];
    }
  }
  return { width, height, channels, bitDepth: 8, data: out };
}

// ---- JPEG ----------------------------------------------------------------------------------

interface JpegFrame {
  marker: number;
  precision: number;
  width: number;
  height: number;
  components: number;
}

function decodeJpeg(bytes: Uint8Array, source: string, maxPixels: number): Raster {
  const frame = readJpegFrame(bytes, source);
  // jpeg-js decodes baseline (C0), extended sequential (C1) and progressive (C2) Huffman JPEGs.
  if (frame.marker === 0xc3 || frame.marker === 0xc7 || frame.marker === 0xcb || frame.marker === 0xcf) {
    throw new ImageDecodeError(source, 'lossless JPEG is not supported');
  }
  if (frame.marker >= 0xc9) throw new ImageDecodeError(source, 'arithmetic-coded JPEG is not supported');
  if (frame.marker > 0xc2) throw new ImageDecodeError(source, `hierarchical JPEG (SOF marker ${frame.marker.toString(16)}) is not supported`);
  if (frame.precision !== 8) throw new ImageDecodeError(source, `${frame.precision}-bit JPEG is not supported (only 8-bit)`);
  if (frame.components !== 1 && frame.components !== 3 && frame.components !== 4) {
    throw new ImageDecodeError(source, `JPEG with ${frame.components} colour components is not supported`);
  }
  checkSize(source, frame.width, frame.height, maxPixels);

  let decoded;
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      // jpeg-js counts its coefficient buffers and the output against this; ~10 bytes a pixel
      // covers 3 full-resolution components plus the RGB result.
      maxMemoryUsageInMB: Math.ceil((frame.width * frame.height * 10) / (1024 * 1024)) + 64,
    });
  } catch (e) {
    throw new ImageDecodeError(source, `corrupt or truncated JPEG (${e instanceof Error ? e.message : String(e)})`);
  }
  const { width, height } = decoded;
  const rgb = decoded.data;
  if (rgb.length !== width * height * 3) throw new ImageDecodeError(source, 'corrupt JPEG (decoded size does not match the header)');
  if (frame.components !== 1) return { width, height, channels: 3, bitDepth: 8, data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length) };
  // jpeg-js always writes RGB; a one-component JPEG repeats its grey value in all three.
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = rgb[i * 3];
  return { width, height, channels: 1, bitDepth: 8, data: grey };
}

/** The frame header (SOFn), walking the marker segments that precede it. */
function readJpegFrame(bytes: Uint8Array, source: string): JpegFrame {
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) throw new ImageDecodeError(source, `corrupt JPEG (expected a marker at byte ${off})`);
    const marker = bytes[off + 1];
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      off += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw new ImageDecodeError(source, 'corrupt JPEG (no frame header before the image data)');
    const length = (bytes[off + 2] << 8) | bytes[off + 3];
    if (length < 2) throw new ImageDecodeError(source, `corrupt JPEG (segment length ${length} at byte ${off})`);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (off + 10 > bytes.length) break;
      return {
        marker,
        precision: bytes[off + 4],
        height: (bytes[off + 5] << 8) | bytes[off + 6],
        width: (bytes[off + 7] << 8) | bytes[off + 8],
        components: bytes[off + 9],
      };
    }
    off += 2 + length;
  }
  throw new ImageDecodeError(source, 'truncated JPEG (it ends before the frame header)');
}

// ---- shared --------------------------------------------------------------------------------

function checkSize(source: string, width: number, height: number, maxPixels: number): void {
  if (width === 0 || height === 0) throw new ImageDecodeError(source, `the header gives an empty image (${width}×${height})`);
  if (width * height > maxPixels) {
    const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`;
    throw new ImageDecodeError(source, `the image is ${width}×${height} (${mp(width * height)}), over the limit of ${mp(maxPixels)}`);
  }
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

function hexPrefix(b: Uint8Array): string {
  return Array.from(b.subarray(0, 8), (v) => v.toString(16).padStart(2, '0')).join(' ');
}
