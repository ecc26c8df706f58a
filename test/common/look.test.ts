// An image's look on rasters of known geometry, and the farthest-first choice on hand-made looks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { farthestLook, imageLook, lookDistance } from '../../main/common/look.ts';

test('the look is the grey level averaged over an 8×8 grid', () => {
  // 16×8 grey: left half black, right half white → cells 0–3 of each row 0, 4–7 1
  const data = new Uint8Array(16 * 8).map((_, i) => (i % 16 < 8 ? 0 : 255));
  const look = imageLook({ width: 16, height: 8, channels: 1, bitDepth: 8, data });
  assert.deepEqual([...look], Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 0 : 1)));
  // RGB: channels averaged (R only at 255 → 1/3), alpha ignored; 16-bit scaled by 65535
  const rgba = new Uint8Array(8 * 8 * 4).map((_, i) => (i % 4 === 0 ? 255 : i % 4 === 3 ? 255 : 0));
  assert.ok(imageLook({ width: 8, height: 8, channels: 4, bitDepth: 8, data: rgba }).every((v) => Math.abs(v - 1 / 3) < 1e-6));
  const deep = new Uint16Array(8 * 8).fill(65535);
  assert.ok(imageLook({ width: 8, height: 8, channels: 1, bitDepth: 16, data: deep }).every((v) => v === 1));
  // a raster smaller than the grid still fills every cell from the pixel over it
  assert.deepEqual([...imageLook({ width: 2, height: 2, channels: 1, bitDepth: 8, data: new Uint8Array([0, 255, 255, 0]) })].slice(0, 8), [0, 0, 0, 0, 1, 1, 1, 1]);
});

test('farthest-first: the candidate least like every reference; with none, the farthest from the mean', () => {
  const look = (v: number) => new Float32Array(64).fill(v);
  assert.equal(lookDistance(look(0), look(0.5)), 4);
  const candidates = [look(0.1), look(0.12), look(0.9)];
  assert.equal(farthestLook(candidates, []), 2, 'mean 0.373: 0.9 is farthest');
  assert.equal(farthestLook(candidates, [look(0.9)]), 0, '0.1 is farther from 0.9 than 0.12 is');
  assert.equal(farthestLook(candidates, [look(0.9), look(0.1)]), 1);
  assert.equal(farthestLook([look(0.5), look(0.5)], [look(0)]), 0, 'ties go to the earlier (better-scored) candidate');
  assert.equal(farthestLook([], [look(0)]), -1);
});
