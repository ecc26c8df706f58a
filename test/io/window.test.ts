// Window/level against values worked out by hand from PS3.3 C.11.2.1.2.1 (linear VOI function):
// x ≤ c − 0.5 − (w−1)/2 → 0; x > c − 0.5 + (w−1)/2 → 255; else ((x − (c − 0.5))/(w − 1) + 0.5)·255.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyWindow, CT_PRESETS, defaultWindow } from '../../main/io/window.ts';

test('soft tissue window W400/L40 on HU values', () => {
  // edges: 40 − 0.5 − 199.5 = −160 and 40 − 0.5 + 199.5 = 239
  const hu = [-1000, -160, -159, 40, 100, 238, 239, 240, 3000];
  // −159: (−198.5/399 + 0.5)·255 = 0.639 → 1;  40: (0.5/399 + 0.5)·255 = 127.82 → 128
  // 100: (60.5/399 + 0.5)·255 = 166.17 → 166;   238: (198.5/399 + 0.5)·255 = 254.36 → 254
  assert.deepEqual([...applyWindow(Float32Array.from(hu), CT_PRESETS.softTissue)], [0, 0, 1, 128, 166, 254, 255, 255, 255]);
  assert.deepEqual([...applyWindow(Float32Array.from(hu), CT_PRESETS.softTissue, true)], [255, 255, 254, 127, 89, 1, 0, 0, 0]);
});

test('lung window W1500/L−600 and a width-1 window (a threshold at c − 0.5)', () => {
  // −600: (0.5/1499 + 0.5)·255 = 127.59 → 128;  −1000: (−399.5/1499 + 0.5)·255 = 59.54 → 60
  assert.deepEqual([...applyWindow([-1350, -1000, -600, 149, 150], CT_PRESETS.lung)], [0, 60, 128, 255, 255]);
  assert.deepEqual([...applyWindow([9, 9.5, 9.6, 10], { center: 10, width: 1 })], [0, 0, 255, 255]);
  assert.throws(() => applyWindow([1], { center: 0, width: 0.5 }), /width must be ≥ 1/);
});

test('the presets are the clinical ones', () => {
  assert.deepEqual(
    Object.values(CT_PRESETS).map(({ center, width }) => [center, width]),
    [[40, 400], [-600, 1500], [480, 2500], [40, 80]],
  );
});

test("defaultWindow: the header's window, else the full range mapped onto 0..255", () => {
  assert.deepEqual(defaultWindow([1, 2, 3], { window: { center: 7, width: 9 } }), { center: 7, width: 9 });
  const values = Float32Array.from([-3, 5, 13, NaN, 1]);
  const w = defaultWindow(values);
  // −3 → 0, 13 → 255, 5 is half way: 127.5 → 128 (round half up); 1: (4/16)·255 = 63.75 → 64
  assert.deepEqual([...applyWindow(values, w)], [0, 128, 255, 0, 64]);
  const unit = Float32Array.from([0, 0.25, 1]);
  assert.deepEqual([...applyWindow(unit, defaultWindow(unit))], [0, 64, 255]);
  assert.deepEqual(defaultWindow([]), { center: 0.5, width: 1 });
});
