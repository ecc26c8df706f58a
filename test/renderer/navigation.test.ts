import assert from 'node:assert/strict';
import { test } from 'node:test';
import { neighbourIndex } from '../../renderer/src/lib/navigation.ts';

const list = (ids: number[]) => (i: number) => ids[i];

test('in an unchanged list, next and previous are the neighbours; the ends return null', () => {
  const ids = [10, 11, 12, 13];
  assert.equal(neighbourIndex(11, 1, 1, list(ids), 4), 2);
  assert.equal(neighbourIndex(11, 1, -1, list(ids), 4), 0);
  assert.equal(neighbourIndex(13, 3, 1, list(ids), 4), null);
  assert.equal(neighbourIndex(10, 0, -1, list(ids), 4), null);
});

test('after the current image left the filtered list, next is the image now at its old place', () => {
  // "Not started": [10, 11, 12, 13]; 11 (index 1) was corrected and left → [10, 12, 13]
  const after = [10, 12, 13];
  assert.equal(neighbourIndex(11, 1, 1, list(after), 3), 1); // 12, not 13
  assert.equal(neighbourIndex(11, 1, -1, list(after), 3), 0); // 10
  // the last one left: nothing after it
  assert.equal(neighbourIndex(13, 2, 1, list([10, 11]), 2), null);
});

test('an image that moved a little (earlier ones left) is found near its old index', () => {
  // opened 13 at index 3; two earlier images left the list meanwhile → 13 is at index 1
  const now = [10, 13, 14, 15];
  assert.equal(neighbourIndex(13, 3, 1, list(now), 4), 2);
  assert.equal(neighbourIndex(13, 3, -1, list(now), 4), 0);
});

test('an id that cannot be read counts as having left the list (callers load the page first)', () => {
  assert.equal(neighbourIndex(5, 200, 1, () => undefined, 1000), 200);
});
