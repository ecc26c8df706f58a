import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spacingText } from '../../renderer/src/library/spacing.ts';

test('the library card writes spacing as row × column (× slice) mm, the slice only for volumes', () => {
  assert.equal(spacingText({ pixelSpacing: [0.75, 0.7, 1.25], sliceSpacing: 1.25, frames: 300 }), '0.75 × 0.7 × 1.25 mm');
  assert.equal(spacingText({ pixelSpacing: [0.5, 0.5], sliceSpacing: 3, frames: 20 }), '0.5 × 0.5 × 3 mm');
  assert.equal(spacingText({ pixelSpacing: [0.2, 0.2], sliceSpacing: null, frames: 1 }), '0.2 × 0.2 mm');
  assert.equal(spacingText({ pixelSpacing: null, sliceSpacing: null, frames: 1 }), null);
});
