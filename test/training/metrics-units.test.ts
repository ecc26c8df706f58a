// Metrics in physical units: the spacing of an image on the model's grid, HD95 in mm on an
// anisotropic grid against a hand count, and summaries that name their unit (mm only when every
// image has a spacing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hd95, imageMetrics, resizedSpacing, summarizeHd95 } from '../../main/training/metrics.ts';

const square = (w: number, h: number, x0: number, y0: number, side: number) => {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) m[y * w + x] = 1;
  return m;
};

test('resizedSpacing: a source pixel spacing on the model grid', () => {
  // 512 columns × 256 rows at 0.5 mm (rows) × 0.8 mm (columns), resized to 352 × 352
  assert.deepEqual(resizedSpacing([0.5, 0.8, 3], 512, 256, 352, 352), [(0.5 * 256) / 352, (0.8 * 512) / 352]);
  assert.equal(resizedSpacing(null, 10, 10, 352, 352), undefined);
  assert.equal(resizedSpacing([0, 1], 10, 10, 352, 352), undefined);
});

test('HD95 in mm on an anisotropic grid, by hand', () => {
  // 10×10 grid, rows 2 mm apart, columns 0.5 mm. A 4×4 square (rows 1–4) and the same square 3 rows
  // down (rows 4–7); 12 boundary pixels each. From either square: its shared row 4 is 0 mm away, its
  // far row is 3 rows = 6 mm from the other's row 4, and its two side pixels on each middle row are
  // 1 or 2 rows off (2, 4 mm). Pooled: 8 × 0, 4 × 2, 4 × 4, 8 × 6 mm; rank 0.95 × 23 = 21.85 is a 6.
  const g = square(10, 10, 3, 1, 4);
  const p = square(10, 10, 3, 4, 4);
  assert.equal(hd95(p, g, 10, 10, [2, 0.5]), 6);
  assert.equal(hd95(p, g, 10, 10), 3, 'in pixels without a spacing');
  // the same shift along the columns costs 3 × 0.5 mm
  assert.equal(hd95(square(10, 10, 4, 3, 4), square(10, 10, 1, 3, 4), 10, 10, [2, 0.5]), 1.5);
});

test('summarizeHd95: mm when every image has a spacing, else pixels for all', () => {
  const g = square(10, 10, 3, 1, 4);
  const p = square(10, 10, 3, 4, 4);
  const withMm = imageMetrics(p, g, 10, 10, [2, 0.5]);
  const withoutMm = imageMetrics(p, g, 10, 10);
  assert.deepEqual(summarizeHd95([withMm, withMm]), { mean: 6, std: 0, n: 2, unit: 'mm' });
  assert.deepEqual(summarizeHd95([withMm, withoutMm]), { mean: 3, std: 0, n: 2, unit: 'px' });
  assert.equal(summarizeHd95([]).unit, 'px');
});
