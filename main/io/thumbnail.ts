// Small PNG previews for the library view. Area averaging (a box filter with fractional coverage at
// the edges) rather than point sampling, so thin structures and noise do not alias into the preview.

import { encodePng } from './image-decode.ts';
import type { Raster } from './raster.ts';

/** PNG bytes of the image scaled so its longer side is at most maxSide (never enlarged), 8-bit. */
export function makeThumbnail(raster: Raster, maxSide = 128): Uint8Array {
  if (!(Number.isInteger(maxSide) && maxSide >= 1)) throw new RangeError(`thumbnail size ${maxSide} is not a positive integer`);
  const { width, height, channels } = raster;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  const unit = raster.bitDepth === 16 ? 257 : 1;
  const cols = coverage(width, tw);
  const rows = coverage(height, th);
  // horizontal pass into floats, then vertical pass into bytes
  const across = new Float64Array(height * tw * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < tw; x++) {
      const { first, weights } = cols[x];
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k] * raster.data[(y * width + first + k) * channels + c];
        across[(y * tw + x) * channels + c] = sum;
      }
    }
  }
  const out = new Uint8Array(tw * th * channels);
  for (let y = 0; y < th; y++) {
    const { first, weights } = rows[y];
    for (let x = 0; x < tw; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k] * across[((first + k) * tw + x) * channels + c];
        out[(y * tw + x) * channels + c] = Math.min(255, Math.max(0, Math.round(sum / unit)));
      }
    }
  }
  return encodePng({ width: tw, height: th, channels, bitDepth: 8, data: out });
}

/** For each output cell, the source cells it overlaps and the share of each (summing to 1). */
function coverage(src: number, dst: number): { first: number; weights: Float64Array }[] {
  const step = src / dst;
  return Array.from({ length: dst }, (_, o) => {
    const a = o * step;
    const b = Math.min(src, (o + 1) * step);
    const first = Math.floor(a);
    const last = Math.min(src, Math.ceil(b - 1e-9)); // exclusive; the epsilon keeps exact edges from adding a zero-weight cell
    const weights = new Float64Array(last - first);
    for (let s = first; s < last; s++) weights[s - first] = (Math.min(b, s + 1) - Math.max(a, s)) / step;
    return { first, weights };
  });
}
