// Synthetic MedVLSM datasets of simple shapes named by text prompts, for testing training end to
// end without medical data. Every image holds 2–3 different shapes (a disc, a square, a
// triangle, each of the same area so size gives nothing away) and its mask is the one shape the
// prompt names, so a model must read the text to score well.
//
// Two domains:
// - source: a smooth grey gradient background, bright flat shapes, faint noise; plain names
//   (disc → "circle", square → "square", triangle → "triangle", with synonyms).
// - target: a shifted domain: tinted colour, striped or speckled texture, inverted or lowered
//   contrast, strong Gaussian noise, and clinical-sounding names that must be learnt:
//   disc → "cyst", square → "implant", triangle → "polyp" (see PROMPTS).
//
// Everything is drawn from a seeded generator; each image has its own stream (seed, domain,
// split, index), so the same options give byte-identical files.

import type { MedVlsmExportItem, MedVlsmExportResult, Prompts, Split } from '../io/medvlsm-dataset.ts';
import { exportMedVlsmDataset } from '../io/medvlsm-dataset.ts';
import type { Raster } from '../io/raster.ts';
import { deriveSeed, gaussian, mulberry32, shuffle, uniform, type Rng } from '../common/rng.ts';

export type SyntheticDomain = 'source' | 'target';
export type ShapeKind = 'disc' | 'square' | 'triangle';
export const SHAPES: readonly ShapeKind[] = ['disc', 'square', 'triangle'];

/** The prompts of a record whose mask is the given shape (p0 is the paper's empty prompt). */
export const PROMPTS: Record<SyntheticDomain, Record<ShapeKind, Prompts>> = {
  source: {
    disc: { p0: '', p1: 'circle', p2: 'a round blob', p3: ['disc', 'round shape', 'circular object'] },
    square: { p0: '', p1: 'square', p2: 'a box', p3: ['box', 'square shape', 'block'] },
    triangle: { p0: '', p1: 'triangle', p2: 'a three-cornered shape', p3: ['triangular object', 'wedge', 'triangle shape'] },
  },
  target: {
    disc: { p0: '', p1: 'cyst', p2: 'a round lesion', p3: ['lesion', 'round cyst', 'nodule'] },
    square: { p0: '', p1: 'implant', p2: 'a square implant', p3: ['device', 'rectangular implant', 'metal implant'] },
    triangle: { p0: '', p1: 'polyp', p2: 'a pointed polyp', p3: ['growth', 'pointed polyp', 'sessile polyp'] },
  },
};

/** A shape; `r` is the disc's radius, and the square and triangle have the disc's area πr². */
export interface PlacedShape {
  kind: ShapeKind;
  cx: number;
  cy: number;
  r: number;
  /** rotation in radians (square and triangle) */
  angle: number;
}

// The square's half side and the equilateral triangle's circumradius that give area πr².
const SQUARE_HALF = Math.sqrt(Math.PI) / 2;
const TRIANGLE_CIRCUM = Math.sqrt((4 * Math.PI) / (3 * Math.sqrt(3)));

/** Radius of the smallest circle about the centre that holds the shape. */
function extent(s: PlacedShape): number {
  return s.kind === 'disc' ? s.r : s.kind === 'square' ? SQUARE_HALF * Math.SQRT2 * s.r : TRIANGLE_CIRCUM * s.r;
}

/** The shape's corners, counter-clockwise in image coordinates (x right, y down). */
export function shapeVertices(s: PlacedShape): [number, number][] {
  if (s.kind === 'disc') return [];
  const n = s.kind === 'square' ? 4 : 3;
  const rho = extent(s);
  const start = s.angle + (s.kind === 'square' ? Math.PI / 4 : -Math.PI / 2);
  return Array.from({ length: n }, (_, k) => {
    const a = start - (2 * Math.PI * k) / n;
    return [s.cx + rho * Math.cos(a), s.cy + rho * Math.sin(a)] as [number, number];
  });
}

/** The shape as a size×size 0/1 mask: pixels whose centre lies inside it. */
export function shapeMask(s: PlacedShape, size: number): Uint8Array {
  const mask = new Uint8Array(size * size);
  const vs = shapeVertices(s);
  const inside = (px: number, py: number): boolean => {
    if (s.kind === 'disc') return (px - s.cx) ** 2 + (py - s.cy) ** 2 <= s.r * s.r;
    for (let k = 0; k < vs.length; k++) {
      const [ax, ay] = vs[k];
      const [bx, by] = vs[(k + 1) % vs.length];
      if ((bx - ax) * (py - ay) - (by - ay) * (px - ax) > 0) return false;
    }
    return true;
  };
  const e = extent(s);
  const y0 = Math.max(0, Math.floor(s.cy - e - 1));
  const y1 = Math.min(size - 1, Math.ceil(s.cy + e + 1));
  const x0 = Math.max(0, Math.floor(s.cx - e - 1));
  const x1 = Math.min(size - 1, Math.ceil(s.cx + e + 1));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (inside(x + 0.5, y + 0.5)) mask[y * size + x] = 1;
  return mask;
}

/** 2 or 3 different shapes that do not touch, all inside the image. */
function layout(size: number, rng: Rng): PlacedShape[] {
  const kinds = shuffle([...SHAPES], rng).slice(0, rng() < 0.5 ? 2 : 3);
  for (let attempt = 0; ; attempt++) {
    // shrink the shapes a little each time a layout does not fit
    const scale = Math.max(0.4, 1 - attempt * 0.02);
    const placed: PlacedShape[] = [];
    for (const kind of kinds) {
      const r = uniform(rng, 0.08, 0.14) * size * scale;
      const angle = uniform(rng, 0, 2 * Math.PI);
      for (let tries = 0; tries < 40; tries++) {
        const s: PlacedShape = { kind, cx: 0, cy: 0, r, angle };
        const e = extent(s);
        s.cx = uniform(rng, e + 1, size - e - 1);
        s.cy = uniform(rng, e + 1, size - e - 1);
        if (placed.every((o) => Math.hypot(o.cx - s.cx, o.cy - s.cy) > e + extent(o) + 2)) {
          placed.push(s);
          break;
        }
      }
    }
    if (placed.length === kinds.length) return placed;
  }
}

export interface SyntheticImage {
  image: Raster;
  /** 0/1, size×size: the target shape */
  mask: Uint8Array;
  shapes: PlacedShape[];
  target: ShapeKind;
  prompts: Prompts;
}

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** One image of the domain, its shapes, the one the prompts name, and its mask. */
export function generateImage(domain: SyntheticDomain, size: number, rng: Rng): SyntheticImage {
  if (!Number.isInteger(size) || size < 16) throw new RangeError(`synthetic images need a size of at least 16 pixels, got ${size}`);
  let shapes: PlacedShape[];
  let masks: Uint8Array[];
  do {
    // a layout squeezed into a small image could leave a shape without a pixel centre inside
    shapes = layout(size, rng);
    masks = shapes.map((s) => shapeMask(s, size));
  } while (masks.some((m) => m.reduce((a, b) => a + b, 0) < 4));
  const targetIndex = Math.floor(rng() * shapes.length);
  const data = domain === 'source' ? renderSource(size, shapes, masks, rng) : renderTarget(size, shapes, masks, rng);
  const target = shapes[targetIndex].kind;
  return { image: { width: size, height: size, channels: 3, bitDepth: 8, data }, mask: masks[targetIndex], shapes, target, prompts: structuredClone(PROMPTS[domain][target]) };
}

/** Smooth grey gradient, bright flat shapes, faint noise; grey (R = G = B). */
function renderSource(size: number, shapes: PlacedShape[], masks: Uint8Array[], rng: Rng): Uint8Array {
  const base = uniform(rng, 90, 140);
  const slope = uniform(rng, -25, 25);
  const dir = uniform(rng, 0, 2 * Math.PI);
  const levels = shapes.map(() => uniform(rng, 175, 235));
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      let v = base + slope * (((x * Math.cos(dir) + y * Math.sin(dir)) / size) * 2 - 1);
      for (let k = 0; k < shapes.length; k++) if (masks[k][i]) v = levels[k];
      v = clamp8(v + 2 * gaussian(rng));
      out.fill(v, i * 3, i * 3 + 3);
    }
  }
  return out;
}

const TINTS: [number, number, number][] = [[1, 0.62, 0.6], [0.6, 1, 0.72], [0.58, 0.72, 1], [1, 0.82, 0.45]];

/** Tinted, textured (stripes or speckle), inverted or low contrast, noisy. */
function renderTarget(size: number, shapes: PlacedShape[], masks: Uint8Array[], rng: Rng): Uint8Array {
  const tint = TINTS[Math.floor(rng() * TINTS.length)];
  const inverted = rng() < 0.5;
  const background = inverted ? uniform(rng, 170, 210) : uniform(rng, 80, 120);
  const levels = shapes.map(() => background + (inverted ? -uniform(rng, 40, 70) : uniform(rng, 30, 45)));
  const stripes = rng() < 0.5;
  const period = uniform(rng, 3, 8);
  const dir = uniform(rng, 0, Math.PI);
  const phase = uniform(rng, 0, 2 * Math.PI);
  const shapeDir = dir + Math.PI / 2;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      let v = background;
      let k = 0;
      while (k < shapes.length && !masks[k][i]) k++;
      if (k < shapes.length) {
        // the shapes carry a fainter texture across the background's
        v = levels[k] + 6 * Math.sin((2 * Math.PI * (x * Math.cos(shapeDir) + y * Math.sin(shapeDir))) / (period * 1.7));
      } else if (stripes) {
        v += 22 * Math.sin((2 * Math.PI * (x * Math.cos(dir) + y * Math.sin(dir))) / period + phase);
      }
      if (!stripes) v *= 1 + 0.15 * gaussian(rng); // speckle
      for (let c = 0; c < 3; c++) out[i * 3 + c] = clamp8(v * tint[c] + 7 * gaussian(rng));
    }
  }
  return out;
}

export interface SyntheticOptions {
  domain: SyntheticDomain;
  /** square image side, default 64 (the tiny model's input) */
  size?: number;
  counts: Record<Split, number>;
  seed: number;
}

/** The dataset's records in order (train, val, test), each image from its own seeded stream. */
export function syntheticItems(options: SyntheticOptions): MedVlsmExportItem[] {
  const size = options.size ?? 64;
  const items: MedVlsmExportItem[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    const n = options.counts[split];
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`synthetic ${split} count must be a non-negative integer, got ${n}`);
    for (let i = 0; i < n; i++) {
      const g = generateImage(options.domain, size, mulberry32(deriveSeed(options.seed, options.domain, split, i)));
      items.push({ name: `${split}_${String(i).padStart(5, '0')}`, image: g.image, mask: g.mask, width: size, height: size, prompts: g.prompts, split });
    }
  }
  return items;
}

/** Writes a synthetic MedVLSM dataset to outDir (which must not exist or be empty). */
export function writeSyntheticDataset(outDir: string, options: SyntheticOptions): Promise<MedVlsmExportResult> {
  return exportMedVlsmDataset(outDir, syntheticItems(options));
}
