// Window/level against values worked out by hand from PS3.3 C.11.2.1.2.1 (linear VOI function):
// x ≤ c − 0.5 − (w−1)/2 → 0; x > c − 0.5 + (w−1)/2 → 255; else ((x − (c − 0.5))/(w − 1) + 0.5)·255.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyWindow, CT_PRESETS, defaultWindow, PERCENTILE_SAMPLE } from '../../main/io/window.ts';

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

test("defaultWindow: the header's window, else for CT the full range mapped onto 0..255", () => {
  assert.deepEqual(defaultWindow([1, 2, 3], { window: { center: 7, width: 9 } }), { center: 7, width: 9 });
  const values = Float32Array.from([-3, 5, 13, NaN, 1]);
  const w = defaultWindow(values, { modality: 'CT' });
  // −3 → 0, 13 → 255, 5 is half way: 127.5 → 128 (round half up); 1: (4/16)·255 = 63.75 → 64
  assert.deepEqual([...applyWindow(values, w)], [0, 128, 255, 0, 64]);
  const unit = Float32Array.from([0, 0.25, 1]);
  assert.deepEqual([...applyWindow(unit, defaultWindow(unit, { modality: 'CT' }))], [0, 64, 255]);
  assert.deepEqual(defaultWindow([]), { center: 0.5, width: 1 });
  assert.deepEqual(defaultWindow([NaN, NaN]), { center: 0.5, width: 1 });
});

test('defaultWindow: MR and other non-CT images get the 0.5–99.5 % range, which one bright voxel does not move', () => {
  // 0..999 once each and one voxel at 10⁶: 1001 sorted values; numpy 'linear' ranks 0.005 × 1000 = 5
  // and 0.995 × 1000 = 995 fall on the values 5 and 995
  const brain = Float32Array.from({ length: 1001 }, (_, i) => (i === 500 ? 1e6 : i < 500 ? i : i - 1));
  const w = defaultWindow(brain, { modality: 'MR' });
  assert.deepEqual(w, { center: 500.5, width: 991 });
  // 5 → 0, 995 → 255, mid-grey in the middle; min–max would have put 500 at round(500/10⁶·255) = 0
  assert.deepEqual([...applyWindow([5, 500, 995, 1e6], w)], [0, 128, 255, 255]);
  assert.deepEqual(defaultWindow(brain), w, 'no modality (NIfTI, 16-bit PNG) is non-CT');
  assert.deepEqual(defaultWindow(brain, { modality: 'CT' }), { center: 500000.5, width: 1000001 }, 'CT keeps its full HU range');
  assert.deepEqual(defaultWindow(brain, { modality: 'MR', window: { center: 40, width: 80 } }), { center: 40, width: 80 }, "the header's window wins");
});

test('defaultWindow: frames together, a collapsed range falls back to the full one, large volumes are sampled', () => {
  const a = Float32Array.from({ length: 500 }, (_, i) => i);
  const b = Float32Array.from({ length: 501 }, (_, i) => (i === 0 ? 1e6 : 499 + i));
  assert.deepEqual(defaultWindow([a, b]), { center: 500.5, width: 991 }, 'the same values as one array');
  // 998 zeros and two 100s: ranks 4.995 and 994.005 both fall among the zeros, so the window spans 0..100
  const sparse = Float32Array.from({ length: 1000 }, (_, i) => (i < 2 ? 100 : 0));
  assert.deepEqual(defaultWindow(sparse), { center: 50.5, width: 101 });
  // 3 frames of 2²⁰ values, 0..999 repeating, with 2000 voxels at 10⁶: a 2²⁰ sample's percentiles
  // sit within about ±0.1 of the exact 5 and 995 (rank noise √(p(1−p)/n) ≈ 7·10⁻⁵ of the range)
  const frames = [0, 1, 2].map((f) => Float32Array.from({ length: PERCENTILE_SAMPLE }, (_, i) => (i % 1500 === 7 && f === 1 ? 1e6 : (i + f) % 1000)));
  const big = defaultWindow(frames);
  const lo = big.center - 0.5 - (big.width - 1) / 2;
  const hi = big.center - 0.5 + (big.width - 1) / 2;
  assert.ok(Math.abs(lo - 5) < 1 && Math.abs(hi - 995) < 1.5, `sampled window ${lo}..${hi}`);
  assert.deepEqual(defaultWindow(frames), big, 'the sample is the same every time');
});
