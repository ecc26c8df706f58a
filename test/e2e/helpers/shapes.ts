// Generated test images with known geometry: a dark background and one bright rectangle each.

import { encode } from 'fast-png';

export const W = 96;
export const H = 64;
export interface Rect { x: number; y: number; w: number; h: number }
export const RECTS: readonly Rect[] = [
  { x: 20, y: 10, w: 40, h: 26 },
  { x: 30, y: 16, w: 36, h: 30 },
  { x: 12, y: 20, w: 44, h: 24 },
  { x: 40, y: 8, w: 34, h: 40 },
  { x: 24, y: 26, w: 50, h: 22 },
  { x: 8, y: 6, w: 30, h: 30 },
];
export const fileName = (i: number) => `shape_${String(i + 1).padStart(2, '0')}.png`;

export function shapeImage(r: Rect): Uint8Array {
  const data = new Uint8Array(W * H).fill(40);
  for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) data[y * W + x] = 210;
  return encode({ width: W, height: H, data, channels: 1, depth: 8 });
}
