import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  brushFootprint,
  createMask,
  fillAll,
  fillHoles,
  fillPolygon,
  floodFill,
  grow,
  maskArea,
  paintCapsule,
  paintDisc,
  removeIslands,
  replacePixels,
  shrink,
  type Mask,
  type Rect,
} from '../../renderer/src/workspace/mask/mask-ops.ts';

/** Foreground pixels as sorted "x,y" strings. */
function pixelSet(m: Mask): string[] {
  const out: string[] = [];
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) if (m.pixels[y * m.width + x]) out.push(`${x},${y}`);
  return out.sort();
}

function set(m: Mask, pts: [number, number][]): Mask {
  for (const [x, y] of pts) m.pixels[y * m.width + x] = 1;
  return m;
}

function square(m: Mask, x0: number, y0: number, side: number): Mask {
  for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) m.pixels[y * m.width + x] = 1;
  return m;
}

/** Bounding box of the pixels that differ (brute force), to check the rects ops report. */
function changedBox(a: Uint8Array, b: Uint8Array, width: number): Rect | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const x = i % width, y = Math.floor(i / width);
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

const sorted = (a: string[]) => [...a].sort();

describe('paintDisc', () => {
  it('paints exact pixel sets for small radii', () => {
    const r1 = createMask(9, 9);
    paintDisc(r1, 4, 4, 1, 1);
    assert.deepEqual(pixelSet(r1), sorted(['4,3', '3,4', '4,4', '5,4', '4,5']));

    const r15 = createMask(9, 9);
    paintDisc(r15, 4, 4, 1.5, 1); // (±1, ±1) is at √2 ≤ 1.5: the full 3×3 block
    assert.deepEqual(pixelSet(r15), sorted(['3,3', '4,3', '5,3', '3,4', '4,4', '5,4', '3,5', '4,5', '5,5']));

    const r2 = createMask(9, 9);
    paintDisc(r2, 4, 4, 2, 1);
    assert.deepEqual(pixelSet(r2), sorted(['4,2', '3,3', '4,3', '5,3', '2,4', '3,4', '4,4', '5,4', '6,4', '3,5', '4,5', '5,5', '4,6']));
  });

  it('matches the lattice-point counts of the Gauss circle problem (OEIS A000328) for integer radii', () => {
    const known: [number, number][] = [[0, 1], [1, 5], [2, 13], [3, 29], [4, 49], [5, 81], [10, 317]];
    for (const [r, count] of known) {
      const m = createMask(31, 31);
      paintDisc(m, 15, 15, r, 1);
      assert.equal(maskArea(m), count, `radius ${r}`);
    }
  });

  it('approaches πr² for a large radius', () => {
    const m = createMask(201, 201);
    paintDisc(m, 100, 100, 60, 1);
    const ideal = Math.PI * 60 * 60;
    assert.ok(Math.abs(maskArea(m) - ideal) / ideal < 0.005, `area ${maskArea(m)} vs πr² ${ideal.toFixed(1)}`);
  });

  it('clips at the image edge and reports the changed box; a repeat changes nothing', () => {
    const m = createMask(10, 10);
    const rect = paintDisc(m, 0, 0, 2, 1);
    assert.deepEqual(pixelSet(m), sorted(['0,0', '1,0', '2,0', '0,1', '1,1', '0,2']));
    assert.deepEqual(rect, { x: 0, y: 0, w: 3, h: 3 });
    assert.equal(paintDisc(m, 0, 0, 2, 1), null);
    assert.deepEqual(paintDisc(m, 0, 0, 1, 0), { x: 0, y: 0, w: 2, h: 2 });
    assert.deepEqual(pixelSet(m), sorted(['2,0', '1,1', '0,2']));
  });
});

describe('brushFootprint', () => {
  it('gives symmetric brushes: size 1 one pixel, 2 a 2×2 block, 3 a 3×3 block', () => {
    const paint = (size: number, px: number, py: number) => {
      const m = createMask(12, 12);
      const f = brushFootprint(px, py, size);
      paintDisc(m, f.cx, f.cy, f.r, 1);
      return pixelSet(m);
    };
    assert.deepEqual(paint(1, 5.9, 5.1), ['5,5']);
    assert.deepEqual(paint(2, 6.2, 5.8), sorted(['5,5', '6,5', '5,6', '6,6']));
    assert.deepEqual(paint(3, 5.5, 5.5).length, 9);
    assert.deepEqual(paint(3, 5.5, 5.5), sorted(['4,4', '5,4', '6,4', '4,5', '5,5', '6,5', '4,6', '5,6', '6,6']));
  });
});

describe('paintCapsule', () => {
  it('covers every pixel within r of the segment: a 21-column band plus two half-disc caps', () => {
    const m = createMask(40, 20);
    paintCapsule(m, 10, 10, 30, 10, 2, 1);
    // columns 10..30 × 5 rows = 105; each cap is the r=2 disc (13) minus its middle column (5), halved = 4
    assert.equal(maskArea(m), 105 + 8);
    assert.equal(m.pixels[10 * 40 + 8], 1);
    assert.equal(m.pixels[10 * 40 + 7], 0);
    assert.equal(m.pixels[12 * 40 + 20], 1);
    assert.equal(m.pixels[13 * 40 + 20], 0);
  });
});

describe('fillPolygon', () => {
  it('fills a square exactly (pixel centres inside)', () => {
    const m = createMask(10, 10);
    const rect = fillPolygon(m, [{ x: 2, y: 2 }, { x: 6, y: 2 }, { x: 6, y: 6 }, { x: 2, y: 6 }], 1);
    const expected: string[] = [];
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) expected.push(`${x},${y}`);
    assert.deepEqual(pixelSet(m), sorted(expected));
    assert.deepEqual(rect, { x: 2, y: 2, w: 4, h: 4 });
  });

  it('fills a right triangle: centres strictly below the hypotenuse (x + y ≤ 8), 45 pixels', () => {
    const m = createMask(12, 12);
    fillPolygon(m, [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 0, y: 10 }], 1);
    assert.equal(maskArea(m), 45);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) assert.equal(m.pixels[y * 12 + x], x + y <= 8 ? 1 : 0, `pixel ${x},${y}`);
  });

  it('fills a concave L shape and clips a polygon running off the image', () => {
    const l = createMask(6, 6);
    fillPolygon(l, [{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 2 }, { x: 2, y: 2 }, { x: 2, y: 4 }, { x: 0, y: 4 }], 1);
    assert.equal(maskArea(l), 16 - 4);
    assert.equal(l.pixels[3 * 6 + 3], 0);

    const c = createMask(5, 5);
    fillPolygon(c, [{ x: -3, y: -3 }, { x: 3, y: -3 }, { x: 3, y: 3 }, { x: -3, y: 3 }], 1);
    assert.equal(maskArea(c), 9);
  });

  it('cuts with value 0 and ignores fewer than 3 points', () => {
    const m = square(createMask(10, 10), 0, 0, 10);
    fillPolygon(m, [{ x: 2, y: 2 }, { x: 6, y: 2 }, { x: 6, y: 6 }, { x: 2, y: 6 }], 0);
    assert.equal(maskArea(m), 100 - 16);
    assert.equal(fillPolygon(m, [{ x: 0, y: 0 }, { x: 5, y: 5 }], 1), null);
  });
});

describe('floodFill', () => {
  it('fills the inside of a square ring and nothing outside', () => {
    const m = createMask(16, 16);
    for (let k = 2; k <= 11; k++) set(m, [[k, 2], [k, 11], [2, k], [11, k]]);
    assert.equal(maskArea(m), 36);
    const rect = floodFill(m, 6, 6, 1);
    assert.equal(maskArea(m), 100);
    assert.deepEqual(rect, { x: 3, y: 3, w: 8, h: 8 });
    assert.equal(m.pixels[0], 0);
    assert.equal(floodFill(m, 6, 6, 1), null, 'seed already filled');
  });

  it('4-connectivity does not leak through a diagonal ring; 8-connectivity does', () => {
    const ring = () => {
      const m = createMask(11, 11);
      for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) if (Math.abs(x - 5) + Math.abs(y - 5) === 3) m.pixels[y * 11 + x] = 1;
      return m;
    };
    const four = ring();
    floodFill(four, 5, 5, 1, 4);
    assert.equal(maskArea(four), 12 + 13); // ring |dx|+|dy| = 3 has 12 pixels, inside |dx|+|dy| ≤ 2 has 13
    const eight = ring();
    floodFill(eight, 5, 5, 1, 8);
    assert.equal(maskArea(eight), 121);
  });

  it('erases a connected object and ignores seeds outside the image', () => {
    const m = set(square(createMask(8, 8), 1, 1, 2), [[3, 3], [6, 6]]);
    floodFill(m, 1, 1, 0, 8); // the 2×2 block and its diagonal neighbour (3,3)
    assert.deepEqual(pixelSet(m), ['6,6']);
    assert.equal(floodFill(m, -1, 3, 1), null);
    assert.equal(floodFill(m, 8, 0, 1), null);
  });
});

describe('fillHoles', () => {
  it('fills the hole of a closed ring, including one closed only diagonally', () => {
    const m = createMask(16, 16);
    for (let k = 2; k <= 11; k++) set(m, [[k, 2], [k, 11], [2, k], [11, k]]);
    assert.deepEqual(fillHoles(m), { x: 3, y: 3, w: 8, h: 8 });
    assert.equal(maskArea(m), 100);

    const d = createMask(11, 11);
    for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) if (Math.abs(x - 5) + Math.abs(y - 5) === 3) d.pixels[y * 11 + x] = 1;
    fillHoles(d);
    assert.equal(maskArea(d), 25);
  });

  it('leaves an open ring and background touching the border alone', () => {
    const m = createMask(16, 16);
    for (let k = 2; k <= 11; k++) set(m, [[k, 2], [k, 11], [2, k], [11, k]]);
    m.pixels[11 * 16 + 6] = 0; // a gap in the bottom side
    assert.equal(fillHoles(m), null);
    assert.equal(maskArea(m), 35);
  });
});

describe('removeIslands', () => {
  it('removes components below the minimum area and keeps those at or above it', () => {
    const build = () => {
      const m = createMask(20, 20);
      set(m, [[1, 1]]); // 1 px
      square(m, 5, 5, 2); // 4 px
      square(m, 10, 10, 3); // 9 px
      return m;
    };
    const a = build();
    const rect = removeIslands(a, 5);
    assert.equal(maskArea(a), 9);
    assert.deepEqual(rect, { x: 1, y: 1, w: 6, h: 6 });
    const b = build();
    removeIslands(b, 4);
    assert.equal(maskArea(b), 13);
    assert.equal(b.pixels[1 * 20 + 1], 0);
    assert.equal(removeIslands(build(), 1), null);
  });

  it('groups diagonal neighbours into one island (8-connected)', () => {
    const m = set(createMask(5, 5), [[1, 1], [2, 2]]);
    assert.equal(removeIslands(m, 2), null);
    // as 4-connected they are two 1-pixel islands, both below 2
    assert.deepEqual(removeIslands(m, 2, 4), { x: 1, y: 1, w: 2, h: 2 });
    assert.equal(maskArea(m), 0);
  });
});

describe('grow and shrink', () => {
  it('grows a single pixel into a cross (4) or a 3×3 block (8)', () => {
    const m = set(createMask(7, 7), [[3, 3]]);
    assert.deepEqual(grow(m), { x: 2, y: 2, w: 3, h: 3 });
    assert.deepEqual(pixelSet(m), sorted(['3,2', '2,3', '3,3', '4,3', '3,4']));
    const e = set(createMask(7, 7), [[3, 3]]);
    grow(e, 8);
    assert.equal(maskArea(e), 9);
  });

  it('grows a k×k square to (k+2)² minus the 4 corners, and shrinks it to (k−2)²', () => {
    const g = square(createMask(12, 12), 4, 4, 3);
    grow(g);
    assert.equal(maskArea(g), 25 - 4);
    assert.equal(g.pixels[3 * 12 + 3], 0, 'corner stays empty with 4-connectivity');
    const s = square(createMask(12, 12), 3, 3, 5);
    shrink(s);
    const expected: string[] = [];
    for (let y = 4; y < 7; y++) for (let x = 4; x < 7; x++) expected.push(`${x},${y}`);
    assert.deepEqual(pixelSet(s), sorted(expected));
  });

  it('shrinks a single pixel away; the image edge does not erode', () => {
    const m = set(createMask(5, 5), [[2, 2]]);
    assert.deepEqual(shrink(m), { x: 2, y: 2, w: 1, h: 1 });
    assert.equal(maskArea(m), 0);
    const full = createMask(4, 4);
    fillAll(full, 1);
    assert.equal(shrink(full), null);
    assert.equal(grow(createMask(3, 3)), null);
  });

  it('grow then shrink of a square gives the square back', () => {
    const m = square(createMask(12, 12), 3, 3, 4);
    const before = m.pixels.slice();
    grow(m);
    shrink(m);
    assert.deepEqual(m.pixels, before);
  });
});

describe('reported rectangles', () => {
  it('equal the bounding box of the pixels each op actually changed', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const m = createMask(40, 30);
    for (let i = 0; i < m.pixels.length; i++) m.pixels[i] = rand() < 0.45 ? 1 : 0;
    const ops: ((m: Mask) => Rect | null)[] = [
      (x) => paintDisc(x, 12.5, 9, 4, 1),
      (x) => paintCapsule(x, 3, 3, 30, 20, 2, 0),
      (x) => fillPolygon(x, [{ x: 5, y: 25 }, { x: 35, y: 2 }, { x: 38, y: 28 }], 1),
      (x) => floodFill(x, 0, 0, x.pixels[0] ? 0 : 1, 4),
      (x) => fillHoles(x),
      (x) => removeIslands(x, 6),
      (x) => grow(x),
      (x) => shrink(x, 8),
      (x) => replacePixels(x, new Uint8Array(x.pixels.length).fill(1)),
    ];
    for (const [k, op] of ops.entries()) {
      const before = m.pixels.slice();
      const rect = op(m);
      assert.deepEqual(rect, changedBox(before, m.pixels, m.width), `op ${k}`);
    }
  });
});
