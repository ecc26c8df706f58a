// Binary mask edits on 0/1 bytes at image resolution. DOM-free so they are tested against known
// geometry. Every edit works in place and returns the bounding box of the pixels it changed (null:
// nothing changed): the edit session diffs only that box for undo, the viewer repaints only it.
//
// Coordinates: pixel (x, y) is the unit square [x, x+1) × [y, y+1); "pixel-centre units" put the
// centre of pixel (x, y) at (x, y). Connectivity: grow/shrink default to 4 (a one-pixel step along
// rows and columns, a cross structuring element); flood fill of background and fill-holes walk
// background 4-connected, island removal groups foreground 8-connected — the usual pairing, so a
// ring closed only through diagonal steps still encloses its hole and counts as one island.

export interface Mask {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** Half-open box: columns x..x+w-1, rows y..y+h-1. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Connectivity = 4 | 8;
export type MaskValue = 0 | 1;

export function createMask(width: number, height: number): Mask {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`mask size ${width}×${height}: both sides must be positive integers`);
  }
  return { width, height, pixels: new Uint8Array(width * height) };
}

export function maskArea(mask: Mask): number {
  let n = 0;
  const p = mask.pixels;
  for (let i = 0; i < p.length; i++) n += p[i];
  return n;
}

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** Tracks the bounding box of changed pixels while an edit runs. */
class ChangeBox {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;
  add(x: number, y: number): void {
    if (x < this.x0) this.x0 = x;
    if (x > this.x1) this.x1 = x;
    if (y < this.y0) this.y0 = y;
    if (y > this.y1) this.y1 = y;
  }
  rect(): Rect | null {
    return this.x1 < this.x0 ? null : { x: this.x0, y: this.y0, w: this.x1 - this.x0 + 1, h: this.y1 - this.y0 + 1 };
  }
}

/**
 * Sets every pixel whose centre lies within `r` of the segment (x0,y0)–(x1,y1) (pixel-centre
 * units): a brush stroke between two pointer samples without gaps, whatever the pointer speed.
 */
export function paintCapsule(mask: Mask, x0: number, y0: number, x1: number, y1: number, r: number, value: MaskValue): Rect | null {
  const { width, height, pixels } = mask;
  const r2 = r * r + 1e-9;
  const xa = Math.max(0, Math.ceil(Math.min(x0, x1) - r));
  const xb = Math.min(width - 1, Math.floor(Math.max(x0, x1) + r));
  const ya = Math.max(0, Math.ceil(Math.min(y0, y1) - r));
  const yb = Math.min(height - 1, Math.floor(Math.max(y0, y1) + r));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const box = new ChangeBox();
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      // distance to the nearest point of the segment
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
      const ex = x - (x0 + t * dx);
      const ey = y - (y0 + t * dy);
      if (ex * ex + ey * ey > r2) continue;
      const i = y * width + x;
      if (pixels[i] !== value) {
        pixels[i] = value;
        box.add(x, y);
      }
    }
  }
  return box.rect();
}

/** Sets every pixel whose centre is within `r` of (cx, cy), in pixel-centre units. */
export function paintDisc(mask: Mask, cx: number, cy: number, r: number, value: MaskValue): Rect | null {
  return paintCapsule(mask, cx, cy, cx, cy, r, value);
}

/**
 * Where a brush of `size` pixels (its diameter) centres for a pointer at image point (px, py):
 * odd sizes on the pixel under the pointer, even sizes on the nearest pixel corner, so every
 * brush is symmetric and size 1 paints exactly one pixel. Returns pixel-centre units and radius.
 */
export function brushFootprint(px: number, py: number, size: number): { cx: number; cy: number; r: number } {
  const s = Math.max(1, Math.round(size));
  if (s % 2 === 1) return { cx: Math.floor(px), cy: Math.floor(py), r: s / 2 };
  return { cx: Math.round(px) - 0.5, cy: Math.round(py) - 0.5, r: s / 2 };
}

/**
 * Fills (value 1) or cuts (value 0) a polygon given in image coordinates (pixel (x,y) covers
 * [x,x+1)×[y,y+1)). A pixel is inside when its centre is, by the even-odd rule; a centre exactly on
 * an edge counts on the left/top side only (half-open spans), so adjacent polygons never overlap.
 */
export function fillPolygon(mask: Mask, points: readonly { x: number; y: number }[], value: MaskValue): Rect | null {
  if (points.length < 3) return null;
  const { width, height, pixels } = mask;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (!(Number.isFinite(p.x) && Number.isFinite(p.y))) throw new RangeError(`fillPolygon: point (${p.x}, ${p.y}) is not finite`);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const box = new ChangeBox();
  const xs: number[] = [];
  const rowA = Math.max(0, Math.floor(minY - 0.5));
  const rowB = Math.min(height - 1, Math.ceil(maxY));
  for (let y = rowA; y <= rowB; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let k = 0; k < points.length; k++) {
      const a = points[k];
      const b = points[(k + 1) % points.length];
      if (a.y <= yc !== b.y <= yc) xs.push(a.x + ((yc - a.y) * (b.x - a.x)) / (b.y - a.y));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // centres x+0.5 in [xs[k], xs[k+1])
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) {
        const i = y * width + x;
        if (pixels[i] !== value) {
          pixels[i] = value;
          box.add(x, y);
        }
      }
    }
  }
  return box.rect();
}

/** Visits the neighbours of flat index i (in-image only). */
function forNeighbours(i: number, width: number, height: number, connectivity: Connectivity, visit: (j: number) => void): void {
  const x = i % width;
  const y = (i - x) / width;
  const left = x > 0;
  const right = x < width - 1;
  const up = y > 0;
  const down = y < height - 1;
  if (left) visit(i - 1);
  if (right) visit(i + 1);
  if (up) visit(i - width);
  if (down) visit(i + width);
  if (connectivity === 8) {
    if (up && left) visit(i - width - 1);
    if (up && right) visit(i - width + 1);
    if (down && left) visit(i + width - 1);
    if (down && right) visit(i + width + 1);
  }
}

/**
 * Sets the connected region of pixels that share the seed's value to `value` (no change when the
 * seed already has it). Pixel coordinates are integer indices; a seed outside the image is no-op.
 */
export function floodFill(mask: Mask, x: number, y: number, value: MaskValue, connectivity: Connectivity = 4): Rect | null {
  const { width, height, pixels } = mask;
  if (!(x >= 0 && y >= 0 && x < width && y < height)) return null;
  const seed = Math.floor(y) * width + Math.floor(x);
  const target = pixels[seed];
  if (target === value) return null;
  const queue = new Int32Array(width * height);
  let head = 0;
  let tail = 0;
  const box = new ChangeBox();
  pixels[seed] = value; // set when queued, so each pixel is queued once
  queue[tail++] = seed;
  const visit = (j: number): void => {
    if (pixels[j] === target) {
      pixels[j] = value;
      queue[tail++] = j;
    }
  };
  while (head < tail) {
    const i = queue[head++];
    box.add(i % width, Math.floor(i / width));
    forNeighbours(i, width, height, connectivity, visit);
  }
  return box.rect();
}

/** Background pixels that cannot reach the image border through background (4-connected) become foreground. */
export function fillHoles(mask: Mask): Rect | null {
  const { width, height, pixels } = mask;
  const outside = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  let tail = 0;
  const seed = (i: number): void => {
    if (pixels[i] === 0 && !outside[i]) {
      outside[i] = 1;
      queue[tail++] = i;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  for (let head = 0; head < tail; head++) forNeighbours(queue[head], width, height, 4, seed);
  const box = new ChangeBox();
  for (let i = 0; i < pixels.length; i++) {
    if (pixels[i] === 0 && !outside[i]) {
      pixels[i] = 1;
      box.add(i % width, Math.floor(i / width));
    }
  }
  return box.rect();
}

/** Clears foreground components (8-connected by default) with fewer than `minArea` pixels. */
export function removeIslands(mask: Mask, minArea: number, connectivity: Connectivity = 8): Rect | null {
  const { width, height, pixels } = mask;
  const seen = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  const box = new ChangeBox();
  for (let start = 0; start < pixels.length; start++) {
    if (pixels[start] === 0 || seen[start]) continue;
    // the component's pixels end up in queue[0..tail)
    let tail = 0;
    seen[start] = 1;
    queue[tail++] = start;
    for (let head = 0; head < tail; head++) {
      forNeighbours(queue[head], width, height, connectivity, (j) => {
        if (pixels[j] === 1 && !seen[j]) {
          seen[j] = 1;
          queue[tail++] = j;
        }
      });
    }
    if (tail >= minArea) continue;
    for (let k = 0; k < tail; k++) {
      const i = queue[k];
      pixels[i] = 0;
      box.add(i % width, Math.floor(i / width));
    }
  }
  return box.rect();
}

/**
 * Morphological step by one pixel: grow (dilate) sets background pixels with a foreground
 * neighbour, shrink (erode) clears foreground pixels with a background neighbour. Pixels outside
 * the image count as neither (as ITK's BoundaryToForeground does for erosion), so a structure
 * touching the image edge does not retreat from it.
 */
function morphStep(mask: Mask, grow: boolean, connectivity: Connectivity): Rect | null {
  const { width, height, pixels } = mask;
  const src = pixels.slice();
  const from = grow ? 0 : 1;
  const to = grow ? 1 : 0;
  const box = new ChangeBox();
  for (let i = 0; i < src.length; i++) {
    if (src[i] !== from) continue;
    let hit = false;
    forNeighbours(i, width, height, connectivity, (j) => {
      if (src[j] !== from) hit = true;
    });
    if (hit) {
      pixels[i] = to;
      box.add(i % width, Math.floor(i / width));
    }
  }
  return box.rect();
}

export function grow(mask: Mask, connectivity: Connectivity = 4): Rect | null {
  return morphStep(mask, true, connectivity);
}

export function shrink(mask: Mask, connectivity: Connectivity = 4): Rect | null {
  return morphStep(mask, false, connectivity);
}

/** Replaces the whole mask (e.g. with the model's preview); any non-zero source byte counts as 1. */
export function replacePixels(mask: Mask, source: Uint8Array): Rect | null {
  const { width, pixels } = mask;
  if (source.length !== pixels.length) {
    throw new RangeError(`replacePixels: the source has ${source.length} pixels, the mask ${mask.width}×${mask.height} = ${pixels.length}`);
  }
  const box = new ChangeBox();
  for (let i = 0; i < pixels.length; i++) {
    const v = source[i] ? 1 : 0;
    if (pixels[i] !== v) {
      pixels[i] = v;
      box.add(i % width, Math.floor(i / width));
    }
  }
  return box.rect();
}

/** Sets every pixel to `value`. */
export function fillAll(mask: Mask, value: MaskValue): Rect | null {
  const { width, pixels } = mask;
  const box = new ChangeBox();
  for (let i = 0; i < pixels.length; i++) {
    if (pixels[i] !== value) {
      pixels[i] = value;
      box.add(i % width, Math.floor(i / width));
    }
  }
  return box.rect();
}
