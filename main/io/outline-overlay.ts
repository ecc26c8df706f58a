// A frame in grey with the outlines of several masks drawn over it in their own colours: the
// adapter report's gallery (base model vs adapter vs correction). Outlines, not fills, so all three
// stay readable where they overlap and the anatomy underneath stays visible.

import type { Raster } from './raster.ts';

export type Rgb = readonly [number, number, number];

export interface OutlineLayer {
  /** width × height of the frame, row-major; any non-zero value is inside */
  mask: Uint8Array;
  color: Rgb;
}

/**
 * An 8-bit RGB raster of `frame` in grey (RGB frames by Rec. 601 luma; 16-bit scaled to 8),
 * scaled with nearest sampling so its longer side is at most `maxSide` (never enlarged), with each
 * layer's outline — inside pixels with a 4-neighbour outside or at the border, on the scaled grid —
 * painted in its colour; later layers paint over earlier ones.
 */
export function outlineOverlay(frame: Raster, layers: readonly OutlineLayer[], maxSide = 256): Raster {
  const { width, height, channels } = frame;
  if (!(Number.isInteger(maxSide) && maxSide >= 1)) throw new RangeError(`outline overlay: size ${maxSide} is not a positive integer`);
  if (frame.data.length !== width * height * channels) throw new RangeError(`outline overlay: the frame has ${frame.data.length} values, not ${width}×${height}×${channels}`);
  layers.forEach((l, i) => {
    if (l.mask.length !== width * height) throw new RangeError(`outline overlay: mask ${i} has ${l.mask.length} pixels but the frame is ${width}×${height}`);
  });
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  // nearest source pixel of each output pixel's centre
  const sx = Int32Array.from({ length: tw }, (_, x) => Math.min(width - 1, Math.floor(((x + 0.5) * width) / tw)));
  const sy = Int32Array.from({ length: th }, (_, y) => Math.min(height - 1, Math.floor(((y + 0.5) * height) / th)));
  const shift = frame.bitDepth === 16 ? 8 : 0;
  const out = new Uint8Array(tw * th * 3);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const o = (sy[y] * width + sx[x]) * channels;
      const d = frame.data;
      const grey = channels >= 3 ? Math.round(0.299 * (d[o] >> shift) + 0.587 * (d[o + 1] >> shift) + 0.114 * (d[o + 2] >> shift)) : d[o] >> shift;
      out.fill(grey, (y * tw + x) * 3, (y * tw + x) * 3 + 3);
    }
  }
  for (const { mask, color } of layers) {
    const small = new Uint8Array(tw * th);
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) small[y * tw + x] = mask[sy[y] * width + sx[x]] !== 0 ? 1 : 0;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const i = y * tw + x;
        if (!small[i]) continue;
        const edge = x === 0 || y === 0 || x === tw - 1 || y === th - 1 || !small[i - 1] || !small[i + 1] || !small[i - tw] || !small[i + tw];
        if (edge) out.set(color, i * 3);
      }
    }
  }
  return { width: tw, height: th, channels: 3, bitDepth: 8, data: out };
}
