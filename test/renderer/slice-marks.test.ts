// The slice marks under a volume's slider: which slices have model and corrected masks, per label.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markPosition, marksSummary, sliceMarks } from '../../renderer/src/workspace/volume/slice-marks.ts';

test('model and corrected slices of one label, ascending, other labels and stray frames ignored', () => {
  const records = [
    { frame: 4, kind: 'model' as const, labelId: 2 },
    { frame: 1, kind: 'model' as const, labelId: 2 },
    { frame: 1, kind: 'corrected' as const, labelId: 2 },
    { frame: 3, kind: 'corrected' as const, labelId: null },
    { frame: 2, kind: 'model' as const, labelId: 7 },
    { frame: 9, kind: 'model' as const, labelId: 2 }, // beyond the image's 5 frames
  ];
  assert.deepEqual(sliceMarks(records, 2, 5), { model: [1, 4], corrected: [1] });
  assert.deepEqual(sliceMarks(records, null, 5), { model: [], corrected: [3] });
  assert.equal(marksSummary(sliceMarks(records, 2, 5), 5), '2 model · 1 corrected of 5 slices');
});

test('marks sit where the slider puts that slice: first at 0 %, last at 100 %', () => {
  assert.equal(markPosition(0, 11), 0);
  assert.equal(markPosition(5, 11), 50);
  assert.equal(markPosition(10, 11), 100);
});
