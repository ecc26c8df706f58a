// Thumbnails: area-averaged values computed by hand, sizes, 16-bit input, and a clean PNG.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { makeThumbnail } from '../../main/io/thumbnail.ts';
import type { Raster } from '../../main/io/raster.ts';
import { pngChunkTypes } from './png-chunks.ts';

const grey = (width: number, height: number, data: number[]): Raster => ({ width, height, channels: 1, bitDepth: 8, data: Uint8Array.from(data) });

test('halving averages each 2×2 block', () => {
  const png = makeThumbnail(grey(4, 2, [0, 10, 20, 30, 40, 50, 60, 70]), 2);
  const t = decode(png);
  assert.deepEqual([t.width, t.height, t.channels, t.depth], [2, 1, 1, 8]);
  // (0 + 10 + 40 + 50) / 4 = 25, (20 + 30 + 60 + 70) / 4 = 45
  assert.deepEqual(Array.from(t.data), [25, 45]);
  assert.deepEqual(pngChunkTypes(png), ['IHDR', 'IDAT', 'IEND']);
});

test('a non-integer ratio weighs the shared source pixel by its covered fraction', () => {
  // 3 → 2: each output covers 1.5 source pixels; the middle one is split half and half
  const t = decode(makeThumbnail(grey(3, 1, [30, 90, 240]), 2));
  assert.deepEqual([t.width, t.height], [2, 1]);
  // (30 + 0.5 × 90) / 1.5 = 50; (0.5 × 90 + 240) / 1.5 = 190
  assert.deepEqual(Array.from(t.data), [50, 190]);
});

test('colour channels are averaged separately; the longer side sets the scale', () => {
  const w = 300;
  const h = 200;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set([10, 100, 200], i * 3);
  const t = decode(makeThumbnail({ width: w, height: h, channels: 3, bitDepth: 8, data }));
  // 128 / 300 × 200 = 85.3 → 85
  assert.deepEqual([t.width, t.height, t.channels], [128, 85, 3]);
  assert.ok(Array.from(t.data).every((v, i) => v === [10, 100, 200][i % 3]));
});

test('small images are not enlarged; 16-bit input becomes 8-bit', () => {
  const t = decode(makeThumbnail(grey(3, 2, [1, 2, 3, 4, 5, 6])));
  assert.deepEqual([t.width, t.height], [3, 2]);
  assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
  const deep = decode(makeThumbnail({ width: 2, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.from([65535, 257 * 10]) }));
  assert.equal(deep.depth, 8);
  assert.deepEqual(Array.from(deep.data), [255, 10]);
  assert.throws(() => makeThumbnail(grey(1, 1, [0]), 0), RangeError);
});
