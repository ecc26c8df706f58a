// Logits to masks: the threshold on σ(z), and torch's 'nearest' resize on known geometry.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logitsToMask, probabilities, resizeNearest } from '../../main/engine/model/postprocess.ts';
import { rng } from '../helpers/random.ts';

const grid = (rows: string[]) => Uint8Array.from(rows.join('').split('').map(Number));

test('probabilities is the logistic sigmoid, finite at extreme logits', () => {
  const z = Float32Array.of(0, 1, -1, 4.5, -30, 1000, -1000, 88.7, -104);
  const p = probabilities(z);
  z.forEach((v, i) => {
    const want = 1 / (1 + Math.exp(-v));
    assert.ok(Math.abs(p[i] - want) <= 1e-7 * Math.max(want, 1e-30) + 1e-45, `σ(${v}) = ${p[i]}, want ${want}`);
  });
  assert.equal(p[0], 0.5);
  assert.equal(p[5], 1);
  assert.equal(p[6], 0);
  assert.ok(p.every(Number.isFinite));
});

test('a square in a 4×4 logit map lands where torch nearest puts it in 7×5', () => {
  const logits = Float32Array.from([
    -3, -3, -3, -3,
    -3, 3, 3, -3,
    -3, 3, 3, -3,
    -3, -3, -3, -3,
  ]);
  // Rows: src = floor(i·4/7) = 0 0 1 1 2 2 3; columns: floor(j·4/5) = 0 0 1 2 3.
  const want = grid(['00000', '00000', '00110', '00110', '00110', '00110', '00000']);
  assert.deepEqual(logitsToMask(logits, 4, 4, 7, 5), want);
  // Downsampling 4×4 → 2×2 reads rows/columns 0 and 2.
  assert.deepEqual(logitsToMask(logits, 4, 4, 2, 2), grid(['00', '01']));
  // Same size is the thresholded map itself.
  assert.deepEqual(logitsToMask(logits, 4, 4, 4, 4), grid(['0000', '0110', '0110', '0000']));
});

test('an exact 2× upscale repeats every pixel twice; non-square maps keep their orientation', () => {
  const logits = Float32Array.from([1, -1, -1, -1, -1, 1]); // 2 rows × 3 columns
  assert.deepEqual(logitsToMask(logits, 2, 3, 4, 6), grid(['110000', '110000', '000011', '000011']));
  assert.deepEqual(logitsToMask(logits, 2, 3, 1, 3), grid(['100']));
});

test('the threshold applies to σ(z); 0 selects everything finite, 1 nothing, NaN is outside', () => {
  const z = Float32Array.of(-100, -0.5, 0, 0.5, 2.1, 2.3, Infinity, -Infinity, NaN);
  const at = (t: number) => Array.from(logitsToMask(z, 1, z.length, 1, z.length, t));
  assert.deepEqual(at(0.5), [0, 0, 0, 1, 1, 1, 1, 0, 0]); // σ(0) = 0.5 is not > 0.5
  assert.deepEqual(at(0.9), [0, 0, 0, 0, 0, 1, 1, 0, 0]); // logit(0.9) = ln 9 ≈ 2.197
  assert.deepEqual(at(0), [1, 1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(at(1), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => logitsToMask(z, 1, z.length, 1, z.length, 1.5), /threshold must be in \[0, 1\]/);
  assert.throws(() => logitsToMask(z, 1, z.length, 1, z.length, NaN), /threshold/);
});

test('thresholding the logit agrees with thresholding the sigmoid on random logits', () => {
  const rand = rng(3);
  const z = Float32Array.from({ length: 4096 }, () => (rand() - 0.5) * 16);
  for (const t of [0.05, 0.3, 0.5, 0.7, 0.99]) {
    const mask = logitsToMask(z, 64, 64, 64, 64, t);
    z.forEach((v, i) => assert.equal(mask[i], 1 / (1 + Math.exp(-v)) > t ? 1 : 0, `z ${v}, t ${t}`));
  }
});

test('resizeNearest follows ATen: float32 scale, clamped index, any element type', () => {
  // 5 → 2: scale 2.5, rows 0 and 2.
  const plane = Float32Array.from({ length: 5 }, (_, i) => i + 0.5);
  const down = resizeNearest(plane, 5, 1, 2, 1);
  assert.ok(down instanceof Float32Array);
  assert.deepEqual(Array.from(down), [0.5, 2.5]);
  // 3 → 8: floor(i · 0.375) = 0 0 0 1 1 1 2 2
  assert.deepEqual(Array.from(resizeNearest(Uint8Array.of(7, 8, 9), 1, 3, 1, 8)), [7, 7, 7, 8, 8, 8, 9, 9]);
  // ATen computes the scale in float32: 2/82 rounds down, so output 41 reads input 0 where the
  // exact floor(41·2/82) would be 1 (torch gives 0 here too).
  const tall = resizeNearest(Uint8Array.of(0, 1), 2, 1, 82, 1);
  assert.equal(tall[40], 0);
  assert.equal(tall[41], 0);
  assert.equal(tall[42], 1);
  assert.throws(() => resizeNearest(new Uint8Array(5), 2, 2, 3, 3), /5 values do not make a 2×2 plane/);
  assert.throws(() => resizeNearest(new Uint8Array(4), 2, 2, 0, 3), /output height must be a positive integer/);
});
