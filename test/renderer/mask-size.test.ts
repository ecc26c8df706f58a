// The display panel's mask size: the slice's area in px and mm², a volume's mask volume in mL over
// all slices (corrected mask per slice, else the model's; the slice on screen counts as edited).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskSizeText, sliceAreas } from '../../renderer/src/workspace/volume/mask-size.ts';

const rec = (frame: number, kind: 'model' | 'corrected', area: number, labelId: number | null = 1) => ({ frame, kind, area, labelId });

test('per slice the corrected area wins over the model\'s, whatever the order; the live slice replaces its stored area', () => {
  const records = [rec(0, 'corrected', 30), rec(0, 'model', 50), rec(1, 'model', 40), rec(2, 'model', 7, 2), rec(3, 'model', 11), rec(8, 'model', 99)];
  assert.deepEqual(sliceAreas(records, 1, 4, null), [30, 40, 0, 11]);
  assert.deepEqual(sliceAreas(records, 1, 4, { frame: 1, area: 5 }), [30, 5, 0, 11]);
  assert.deepEqual(sliceAreas(records, 2, 4, null), [0, 0, 7, 0]);
});

test('a volume with spacing: mm² for the slice, mL over all slices (areas × pixel area × slice spacing)', () => {
  const image = { frames: 3, pixelSpacing: [0.5, 0.8], sliceSpacing: 2.5 };
  const t = maskSizeText(image, [rec(0, 'model', 1000), rec(2, 'corrected', 3000)], 1, { frame: 1, area: 2000 });
  assert.equal(t.slice, 'Mask area 2,000 px (800.0 mm²)');
  // 6000 voxels × 0.4 mm² × 2.5 mm = 6000 mm³ = 6 mL
  assert.equal(t.volume, 'Mask volume 6.00 mL (3 slices)');
});

test('without spacing: px and voxels; a 2-D image has no volume line; nothing edited: no area line', () => {
  assert.deepEqual(maskSizeText({ frames: 2, pixelSpacing: null, sliceSpacing: null }, [rec(0, 'model', 12)], 1, { frame: 1, area: 3 }), { slice: 'Mask area 3 px', volume: 'Mask volume 15 voxels (2 slices)' });
  assert.deepEqual(maskSizeText({ frames: 1, pixelSpacing: [0.2, 0.2], sliceSpacing: null }, [], 1, { frame: 0, area: 100 }), { slice: 'Mask area 100 px (4.0 mm²)', volume: null });
  assert.equal(maskSizeText({ frames: 1, pixelSpacing: null, sliceSpacing: null }, [], 1, null).slice, '');
  // in-plane spacing but no slice spacing: the volume in voxels
  assert.equal(maskSizeText({ frames: 2, pixelSpacing: [1, 1], sliceSpacing: null }, [rec(1, 'model', 4)], 1, null).volume, 'Mask volume 4 voxels (2 slices)');
});
