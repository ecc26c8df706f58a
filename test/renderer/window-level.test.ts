import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyLutRgba,
  CT_PRESETS,
  displayLut,
  dragWindow,
  IDENTITY_WINDOW,
  isIdentityLut,
  presetsApply,
  windowUnits,
  storedWindow,
  valueOfGrey,
  windowValue,
} from '../../renderer/src/workspace/view/window-level.ts';

const preset = (id: string) => CT_PRESETS.find((p) => p.id === id)!;
// What the core stores for a CT without a header window whose values span −1024..3071 HU:
// c = (min + max)/2 + 0.5, w = max − min + 1, so grey 0 is exactly −1024 and grey 255 exactly 3071.
const FULL_CT = { center: 1024, width: 4096 };

describe('window/level remap of the stored 8-bit frame', () => {
  it('applies the DICOM linear function (hand-computed points, W400/L40)', () => {
    const soft = preset('soft-tissue');
    // low edge c − 0.5 − (w − 1)/2 = −160, high edge c − 0.5 + (w − 1)/2 = 239
    assert.equal(windowValue(-160, soft), 0);
    assert.equal(windowValue(-1000, soft), 0);
    assert.equal(windowValue(239, soft), 255);
    assert.equal(windowValue(240, soft), 255);
    // ((40 − 39.5)/399 + 0.5) × 255 = 127.82 → 128
    assert.equal(windowValue(40, soft), 128);
  });

  it('inverts the stored window exactly at the ends, and is the identity for 8-bit images', () => {
    assert.equal(valueOfGrey(0, FULL_CT), -1024);
    assert.equal(valueOfGrey(255, FULL_CT), 3071);
    for (let v = 0; v < 256; v++) assert.ok(Math.abs(valueOfGrey(v, IDENTITY_WINDOW) - v) < 1e-9, `grey ${v}`);
    assert.ok(isIdentityLut(displayLut(IDENTITY_WINDOW, IDENTITY_WINDOW)));
    assert.ok(isIdentityLut(displayLut(FULL_CT, FULL_CT)));
    assert.ok(isIdentityLut(displayLut(preset('lung'), preset('lung'))));
    assert.deepEqual(storedWindow({ window: null }), IDENTITY_WINDOW);
  });

  it('maps stored grey levels through CT presets (values worked out from the formulas)', () => {
    // lung W1500/L−600 at grey 0 (−1024 HU): ((−1024 + 600.5)/1499 + 0.5) × 255 = 55.46 → 55
    const lung = displayLut(FULL_CT, preset('lung'));
    assert.equal(lung[0], 55);
    assert.equal(lung[128], 255);
    // soft tissue at grey 64: x = (64/255 − 0.5) × 4095 + 1023.5 = 3.74 HU → ((3.74 − 39.5)/399 + 0.5) × 255 = 104.65 → 105
    const soft = displayLut(FULL_CT, preset('soft-tissue'));
    assert.deepEqual([soft[0], soft[64], soft[65], soft[128]], [0, 105, 115, 255]);
    const bone = displayLut(FULL_CT, preset('bone'));
    assert.deepEqual([bone[0], bone[64], bone[128], bone[255]], [0, 79, 184, 255]);
    for (let v = 1; v < 256; v++) assert.ok(lung[v] >= lung[v - 1], 'monotonic');
  });

  it('right-drag widens the window to the right and raises the level downwards', () => {
    const start = { center: 40, width: 400 };
    assert.deepEqual(dragWindow(start, 512, 0, FULL_CT), { center: 40, width: 4496 });
    assert.deepEqual(dragWindow(start, 0, 128, FULL_CT), { center: 1064, width: 400 });
    assert.equal(dragWindow(start, -10000, 0, FULL_CT).width, 1);
  });

  it('offers CT presets and the HU unit only for CT (an MR or a NIfTI has arbitrary units)', () => {
    const base = { window: FULL_CT };
    assert.equal(presetsApply({ ...base, modality: 'CT' }), true);
    assert.equal(windowUnits({ ...base, modality: 'CT' }), ' HU');
    for (const modality of ['MR', 'PT', 'DX', null]) {
      assert.equal(presetsApply({ ...base, modality }), false, String(modality));
      assert.equal(windowUnits({ ...base, modality }), '', String(modality));
    }
    // an 8-bit CT screenshot: no modality units to speak of
    assert.equal(presetsApply({ window: null, modality: 'CT' }), false);
    assert.equal(windowUnits({ window: null, modality: 'CT' }), '');
  });

  it('remaps colour channels and keeps alpha', () => {
    const lut = new Uint8Array(256).map((_, v) => 255 - v);
    const src = new Uint8ClampedArray([10, 20, 30, 200, 0, 255, 128, 7]);
    const dst = new Uint8ClampedArray(8);
    applyLutRgba(src, dst, lut);
    assert.deepEqual([...dst], [245, 235, 225, 200, 255, 0, 127, 7]);
  });

  it('rejects a window narrower than 1', () => {
    assert.throws(() => displayLut(FULL_CT, { center: 0, width: 0.5 }), /shown window center 0 \/ width 0.5/);
  });
});
