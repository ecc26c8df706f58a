// The report gallery's picture: a grey frame with mask outlines in their colours. Checked on known
// geometry: three disjoint rectangles, each outline exactly on its rectangle's rim (read back from
// the PNG bytes with the PNG decoder), the grey untouched elsewhere, and the size capped.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImage, encodePng } from '../../main/io/image-decode.ts';
import { outlineOverlay, type Rgb } from '../../main/io/outline-overlay.ts';

const rect = (w: number, h: number, x0: number, y0: number, x1: number, y1: number) => {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 255;
  return m;
};
const onRim = (x: number, y: number, [x0, y0, x1, y1]: number[]) => x >= x0 && x < x1 && y >= y0 && y < y1 && (x === x0 || y === y0 || x === x1 - 1 || y === y1 - 1);

test('each outline sits on its mask\'s rim in its colour; the grey shows elsewhere', () => {
  const [w, h] = [60, 40];
  const grey = Uint8Array.from({ length: w * h }, (_, i) => (i % w) * 2); // a horizontal ramp
  const boxes = [[2, 3, 12, 15], [20, 5, 35, 30], [40, 10, 58, 38]];
  const colors: Rgb[] = [[213, 94, 0], [86, 180, 233], [240, 228, 66]];
  const out = outlineOverlay({ width: w, height: h, channels: 1, bitDepth: 8, data: grey }, boxes.map((b, i) => ({ mask: rect(w, h, b[0], b[1], b[2], b[3]), color: colors[i] })), 256);
  assert.deepEqual([out.width, out.height, out.channels, out.bitDepth], [w, h, 3, 8]);
  const png = decodeImage(encodePng(out), 'overlay.png');
  assert.deepEqual([png.width, png.height], [w, h]);
  const counts = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = [...png.data.slice((y * w + x) * 3, (y * w + x) * 3 + 3)];
      const k = boxes.findIndex((b) => onRim(x, y, b));
      if (k >= 0) {
        assert.deepEqual(px, [...colors[k]], `(${x}, ${y}) is on outline ${k}`);
        counts[k]++;
      } else assert.deepEqual(px, [x * 2, x * 2, x * 2], `(${x}, ${y}) is grey`);
    }
  }
  assert.deepEqual(counts, [2 * (10 + 12) - 4, 2 * (15 + 25) - 4, 2 * (18 + 28) - 4]);
});

test('a large frame is scaled so its longer side is maxSide, outlines drawn on the scaled grid; later layers paint over earlier', () => {
  const [w, h] = [400, 200];
  const rgb = new Uint8Array(w * h * 3).fill(100);
  const mask = rect(w, h, 100, 50, 300, 150);
  const out = outlineOverlay({ width: w, height: h, channels: 3, bitDepth: 8, data: rgb }, [{ mask, color: [255, 0, 0] }, { mask, color: [0, 0, 255] }], 100);
  assert.deepEqual([out.width, out.height], [100, 50]);
  // output pixel (x, y) samples source (⌊4x + 2⌋, ⌊4y + 2⌋): the rectangle is columns 25..74 and rows 12..36
  const at = (x: number, y: number) => [...out.data.slice((y * 100 + x) * 3, (y * 100 + x) * 3 + 3)];
  assert.deepEqual(at(25, 20), [0, 0, 255]);
  assert.deepEqual(at(74, 20), [0, 0, 255]);
  assert.deepEqual(at(24, 20), [100, 100, 100]);
  assert.deepEqual(at(75, 20), [100, 100, 100]);
  assert.deepEqual(at(50, 11), [100, 100, 100]);
  assert.deepEqual(at(50, 12), [0, 0, 255]);
  assert.deepEqual(at(50, 36), [0, 0, 255]);
  assert.deepEqual(at(50, 37), [100, 100, 100]);
  assert.deepEqual(at(50, 25), [100, 100, 100], 'inside is not filled');
  assert.deepEqual(at(10, 10), [100, 100, 100]);
  assert.throws(() => outlineOverlay({ width: 4, height: 4, channels: 1, bitDepth: 8, data: new Uint8Array(16) }, [{ mask: new Uint8Array(15), color: [0, 0, 0] }]), /mask 0 has 15 pixels but the frame is 4×4/);
});
