// Mask → RGBA bytes for the overlay canvases, box by box so a brush stroke repaints only what it
// touched. DOM-free (plain byte arrays) so the pixel rules are testable.

import type { Mask, Rect } from './mask-ops.ts';

export type Rgb = readonly [number, number, number];

/** "#rrggbb" or "#rgb" → [r, g, b]; anything else is an error naming the value. */
export function parseHexColour(hex: string): Rgb {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new RangeError(`colour "${hex}" is not #rgb or #rrggbb`);
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** The box grown by `by` pixels and clipped to the mask. */
export function expandRect(r: Rect, by: number, mask: Pick<Mask, 'width' | 'height'>): Rect {
  const x = Math.max(0, r.x - by);
  const y = Math.max(0, r.y - by);
  return { x, y, w: Math.min(mask.width, r.x + r.w + by) - x, h: Math.min(mask.height, r.y + r.h + by) - y };
}

/** Foreground pixels in `rect` become opaque `colour`, background transparent (opacity is applied when drawing). */
export function paintFillRgba(mask: Mask, rgba: Uint8ClampedArray, rect: Rect, colour: Rgb): void {
  const { width, pixels } = mask;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const i = y * width + x;
      const o = i * 4;
      if (pixels[i]) {
        rgba[o] = colour[0];
        rgba[o + 1] = colour[1];
        rgba[o + 2] = colour[2];
        rgba[o + 3] = 255;
      } else rgba[o + 3] = 0;
    }
  }
}

/**
 * Boundary pixels only: foreground pixels with a 4-neighbour in the background or on the image
 * edge. An edit changes the boundary up to one pixel outside its box: callers expand by 1.
 */
export function paintOutlineRgba(mask: Mask, rgba: Uint8ClampedArray, rect: Rect, colour: Rgb): void {
  const { width, height, pixels } = mask;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const i = y * width + x;
      const o = i * 4;
      const edge =
        pixels[i] === 1 &&
        (x === 0 || y === 0 || x === width - 1 || y === height - 1 || !pixels[i - 1] || !pixels[i + 1] || !pixels[i - width] || !pixels[i + width]);
      if (edge) {
        rgba[o] = colour[0];
        rgba[o + 1] = colour[1];
        rgba[o + 2] = colour[2];
        rgba[o + 3] = 255;
      } else rgba[o + 3] = 0;
    }
  }
}
