// A small line plot as a PNG (fast-png, already a dependency): series of (x, y) points with an
// optional ± band, axes, grid lines and numeric tick labels in a built-in 3×5 pixel font. For the
// experiment reports; titles and legends go in the markdown beside the picture.

import { encode } from 'fast-png';

export interface PlotSeries {
  /** [r, g, b] */
  color: readonly [number, number, number];
  points: readonly { x: number; y: number; band?: number }[];
}

export interface LinePlot {
  width: number;
  height: number;
  x: { min: number; max: number; ticks: readonly number[] };
  y: { min: number; max: number; ticks: readonly number[] };
  series: readonly PlotSeries[];
}

// 3×5 glyphs, rows top to bottom, 3 bits each (bit 2 = left column)
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 1, 1], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2], '-': [0, 0, 7, 0, 0],
};

export function linePlotPng(p: LinePlot): Uint8Array {
  const { width, height } = p;
  const data = new Uint8Array(width * height * 3).fill(255);
  const left = 52;
  const right = 12;
  const top = 12;
  const bottom = 30;
  const px = (x: number): number => left + ((x - p.x.min) / (p.x.max - p.x.min)) * (width - left - right);
  const py = (y: number): number => height - bottom - ((y - p.y.min) / (p.y.max - p.y.min)) * (height - top - bottom);
  const set = (x: number, y: number, c: readonly number[], alpha = 1): void => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const o = (yi * width + xi) * 3;
    for (let k = 0; k < 3; k++) data[o + k] = Math.round(data[o + k] * (1 - alpha) + c[k] * alpha);
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: readonly number[], thick = 1): void => {
    const n = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))) + 1;
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      for (let d = -(thick >> 1); d <= thick >> 1; d++) for (let e = -(thick >> 1); e <= thick >> 1; e++) set(x + d, y + e, c);
    }
  };
  // glyphs drawn at 2× (each bit a 2×2 block): 8 px advance, 10 px tall
  const text = (s: string, x: number, y: number): void => {
    s.split('').forEach((ch, k) => GLYPHS[ch]?.forEach((row, r) => {
      for (let b = 0; b < 3; b++) if (row & (4 >> b)) for (let d = 0; d < 4; d++) set(x + k * 8 + b * 2 + (d & 1), y + r * 2 + (d >> 1), [0, 0, 0]);
    }));
  };
  const label = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  const grey = [225, 225, 225];
  for (const t of p.y.ticks) {
    line(left, py(t), width - right, py(t), grey);
    const s = label(t);
    text(s, left - 6 - s.length * 8, Math.round(py(t)) - 5);
  }
  for (const t of p.x.ticks) {
    line(px(t), top, px(t), height - bottom, grey);
    const s = label(t);
    text(s, Math.round(px(t)) - s.length * 4, height - bottom + 6);
  }
  line(left, top, left, height - bottom, [0, 0, 0]);
  line(left, height - bottom, width - right, height - bottom, [0, 0, 0]);
  // bands first (translucent vertical spans between consecutive points), then the lines over them
  for (const s of p.series) {
    for (let i = 0; i + 1 < s.points.length; i++) {
      const a = s.points[i];
      const b = s.points[i + 1];
      for (let x = Math.ceil(px(a.x)); x <= Math.floor(px(b.x)); x++) {
        const f = (x - px(a.x)) / (px(b.x) - px(a.x));
        const mid = a.y + (b.y - a.y) * f;
        const band = (a.band ?? 0) + ((b.band ?? 0) - (a.band ?? 0)) * f;
        for (let y = Math.ceil(py(mid + band)); y <= Math.floor(py(mid - band)); y++) set(x, y, s.color, 0.12);
      }
    }
  }
  for (const s of p.series) {
    for (let i = 0; i + 1 < s.points.length; i++) line(px(s.points[i].x), py(s.points[i].y), px(s.points[i + 1].x), py(s.points[i + 1].y), s.color, 3);
    for (const q of s.points) for (let d = -3; d <= 3; d++) for (let e = -3; e <= 3; e++) set(px(q.x) + d, py(q.y) + e, s.color);
  }
  return encode({ width, height, data, channels: 3, depth: 8 });
}
