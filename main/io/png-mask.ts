// Masks as PNG files: lossless, the source's width × height, and no text chunks (a tEXt chunk is
// a place where patient data could leak). Binary masks are 0/255 grey by default (what people can
// open) or 0/1 (what training pipelines want); several labels go in one palette PNG with a JSON
// label map beside it.

import { encode } from 'fast-png';

/** Thrown for a mask that cannot be exported as asked; names the mask and the reason. */
export class MaskExportError extends Error {
  constructor(readonly mask: string, reason: string) {
    super(`${mask}: cannot export mask: ${reason}`);
    this.name = 'MaskExportError';
  }
}

/** The size of the image the mask belongs to; the PNG always has exactly this size. */
export interface SourceSize {
  width: number;
  height: number;
}

export interface BinaryMaskPngOptions {
  /** 'grey255' (default): foreground 255; 'index01': foreground 1. */
  values?: 'grey255' | 'index01';
  /** Names the mask in error messages. */
  name?: string;
}

/** Encodes a 0/1 mask (row-major, top row first) as an 8-bit grey PNG. */
export function binaryMaskToPng(mask: Uint8Array, source: SourceSize, options: BinaryMaskPngOptions = {}): Uint8Array {
  const name = options.name ?? 'mask';
  checkSize(name, mask, source);
  const on = options.values === 'index01' ? 1 : 255;
  const data = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    if (v > 1) throw new MaskExportError(name, `value ${v} at pixel ${i} (x ${i % source.width}, y ${Math.floor(i / source.width)}); a binary mask holds only 0 and 1`);
    data[i] = v * on;
  }
  return encode({ width: source.width, height: source.height, data, depth: 8, channels: 1 });
}

export type Rgb = [number, number, number];

/** One label of a multi-label mask; its index in the mask is its position in the list plus one. */
export interface MaskLabel {
  name: string;
  color: Rgb;
  prompt?: string;
}

/** The JSON that goes beside a palette PNG: index → label ("0" is always background). */
export type LabelMap = { '0': 'background' } & Record<string, 'background' | { name: string; color: Rgb; prompt?: string }>;

export interface LabelMaskPng {
  png: Uint8Array;
  labelMap: LabelMap;
}

/**
 * Encodes a label mask (0 background, k the k-th label, 1-based) as an 8-bit palette PNG whose
 * palette holds black then each label's colour, so viewers show the colours and readers get the
 * indices. Returns the label map to be written as JSON beside it.
 */
export function labelMaskToPng(mask: Uint8Array, source: SourceSize, labels: readonly MaskLabel[], name = 'mask'): LabelMaskPng {
  checkSize(name, mask, source);
  if (labels.length === 0) throw new MaskExportError(name, 'no labels given; use binaryMaskToPng for a mask without labels');
  if (labels.length > 255) throw new MaskExportError(name, `${labels.length} labels; a palette PNG holds at most 255 besides background`);
  const labelMap: LabelMap = { '0': 'background' };
  const palette: number[][] = [[0, 0, 0]];
  labels.forEach((label, i) => {
    const { color } = label;
    if (color.length !== 3 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
      throw new MaskExportError(name, `label ${i + 1} ('${label.name}') has colour ${JSON.stringify(color)}; expected [r, g, b] integers 0..255`);
    }
    palette.push([...color]);
    labelMap[String(i + 1)] = label.prompt === undefined ? { name: label.name, color: [...color] } : { name: label.name, color: [...color], prompt: label.prompt };
  });
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] > labels.length) {
      throw new MaskExportError(name, `value ${mask[i]} at pixel ${i} (x ${i % source.width}, y ${Math.floor(i / source.width)}) but only ${labels.length} labels are given`);
    }
  }
  const png = encode({ width: source.width, height: source.height, data: mask, depth: 8, channels: 1, palette });
  return { png, labelMap };
}

function checkSize(name: string, mask: Uint8Array, source: SourceSize): void {
  const { width, height } = source;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new MaskExportError(name, `source size ${width}×${height} is not a positive integer size`);
  }
  if (mask.length !== width * height) {
    throw new MaskExportError(name, `mask has ${mask.length} pixels but the source image is ${width}×${height} (${width * height} pixels)`);
  }
}
