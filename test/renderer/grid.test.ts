import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridColumns, moveGridFocus, pagesForRange } from '../../renderer/src/lib/grid.ts';

test('columns: as many minimum-width cards with gaps as fit, at least one', () => {
  // 4 cards of 150 + 3 gaps of 10 = 630
  assert.equal(gridColumns(630, 150, 10), 4);
  assert.equal(gridColumns(629, 150, 10), 3);
  assert.equal(gridColumns(100, 150, 10), 1);
  assert.equal(gridColumns(0, 150, 10), 1);
});

test('pages covering a visible range, clamped to the total', () => {
  assert.deepEqual(pagesForRange(0, 10, 200, 1000), [0]);
  assert.deepEqual(pagesForRange(190, 410, 200, 1000), [0, 1, 2]);
  assert.deepEqual(pagesForRange(990, 1200, 200, 1000), [4]);
  assert.deepEqual(pagesForRange(0, 10, 200, 0), []);
});

test('arrow keys in a 4-column grid of 10 items (rows 0-3, 4-7, 8-9)', () => {
  const m = (i: number, key: string) => moveGridFocus(i, key, 4, 10);
  assert.equal(m(0, 'ArrowRight'), 1);
  assert.equal(m(3, 'ArrowRight'), 4); // wraps to the next row
  assert.equal(m(4, 'ArrowLeft'), 3);
  assert.equal(m(0, 'ArrowLeft'), 0);
  assert.equal(m(9, 'ArrowRight'), 9);
  assert.equal(m(1, 'ArrowDown'), 5);
  assert.equal(m(5, 'ArrowDown'), 9);
  assert.equal(m(6, 'ArrowDown'), 9); // nothing below column 2: the short last row's last item
  assert.equal(m(9, 'ArrowDown'), 9);
  assert.equal(m(9, 'ArrowUp'), 5);
  assert.equal(m(2, 'ArrowUp'), 2);
  assert.equal(m(5, 'Home'), 0);
  assert.equal(m(5, 'End'), 9);
  assert.equal(m(5, 'Enter'), null);
  assert.equal(moveGridFocus(0, 'ArrowDown', 4, 0), null);
});

test('page keys move whole screens of rows', () => {
  assert.equal(moveGridFocus(1, 'PageDown', 4, 100, 5), 21);
  assert.equal(moveGridFocus(90, 'PageDown', 4, 100, 5), 99);
  assert.equal(moveGridFocus(21, 'PageUp', 4, 100, 5), 1);
  assert.equal(moveGridFocus(10, 'PageUp', 4, 100, 5), 2); // stays in its column on the first row
});
