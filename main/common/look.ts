// An image's look, for covering a project's variety before its model is any good: the grey level
// averaged over an 8×8 grid (64 values in [0, 1]), and the farthest-first choice over looks. The
// active-learning experiment (docs/experiments.md) found that a first round of corrections spread
// over the pool's looks this way beats random choice, where the model's uncertainty does not.

import type { Raster } from './raster.ts';

export const LOOK_GRID = 8;

/** Mean grey level (channels averaged, alpha ignored) over an 8×8 grid, each in [0, 1]; a raster
 * smaller than the grid gives each cell the pixel under it. */
export function imageLook(r: Raster): Float32Array {
  const g = LOOK_GRID;
  const colour = r.channels >= 3 ? 3 : 1;
  const max = r.bitDepth === 16 ? 65535 : 255;
  const span = (cell: number, n: number): [number, number] => {
    const from = Math.min(n - 1, Math.floor((cell * n) / g));
    return [from, Math.max(from + 1, Math.floor(((cell + 1) * n) / g))];
  };
  const look = new Float32Array(g * g);
  for (let cy = 0; cy < g; cy++) {
    const [y0, y1] = span(cy, r.height);
    for (let cx = 0; cx < g; cx++) {
      const [x0, x1] = span(cx, r.width);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < colour; c++) sum += r.data[(y * r.width + x) * r.channels + c];
      look[cy * g + cx] = sum / ((y1 - y0) * (x1 - x0) * colour * max);
    }
  }
  return look;
}

export const lookDistance = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
};

/**
 * The index of the candidate least like every reference look (greatest distance to its nearest
 * reference); with no reference, the one farthest from the candidates' mean look. Ties go to the
 * earlier candidate (callers order them by score).
 */
export function farthestLook(candidates: readonly Float32Array[], references: readonly Float32Array[]): number {
  if (candidates.length === 0) return -1;
  const refs = references.length ? references : [candidates[0].map((_, d) => candidates.reduce((s, c) => s + c[d], 0) / candidates.length)];
  let best = 0;
  let bestDistance = -1;
  for (const [i, c] of candidates.entries()) {
    let near = Infinity;
    for (const r of refs) near = Math.min(near, lookDistance(c, r));
    if (near > bestDistance) {
      best = i;
      bestDistance = near;
    }
  }
  return best;
}
