// Slice progress on stderr: a bar redrawn in place on a terminal, a plain line per tenth otherwise.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sliceProgress, sliceProgressLine } from '../../main/cli/slice-progress.ts';

test('the line: bar, count, slices/s and the ETA (the total time once done)', () => {
  assert.equal(sliceProgressLine(5, 20, 2, 10), '[###-------] 5/20 slices  2.50 slices/s  ETA 0:06');
  assert.equal(sliceProgressLine(20, 20, 8, 10), '[##########] 20/20 slices  2.50 slices/s  0:08 total');
  assert.equal(sliceProgressLine(0, 20, 0, 4), '[----] 0/20 slices  -- slices/s  ETA --');
});

test('not a terminal: one plain line per tenth of the slices and at the end, nothing redrawn', () => {
  const out: string[] = [];
  let now = 0;
  const p = sliceProgress({ write: (s) => out.push(s) }, { now: () => now });
  for (let k = 1; k <= 25; k++) {
    now += 400;
    p.update(k, 25);
  }
  p.finish();
  assert.deepEqual(out.map((l) => l.match(/ (\d+)\/25 /)![1]), ['3', '6', '9', '12', '15', '18', '21', '24', '25']);
  assert.ok(out.every((l) => l.endsWith('\n') && !l.includes('\r')));
  assert.match(out.at(-1)!, /25\/25 slices {2}2\.50 slices\/s {2}0:10 total\n$/);
});

test('a terminal: the bar is redrawn in place (at most every 100 ms, always at the end) and ends with a newline', () => {
  const out: string[] = [];
  let now = 0;
  const p = sliceProgress({ write: (s) => out.push(s), isTTY: true }, { now: () => now });
  for (let k = 1; k <= 10; k++) {
    now += 30;
    p.update(k, 10);
  }
  p.finish();
  assert.ok(out.slice(0, -1).every((l) => l.startsWith('\r\x1b[K')));
  assert.ok(out.length - 1 < 10, `redrawn ${out.length - 1} times for 10 slices 30 ms apart`);
  assert.match(out.at(-2)!, /10\/10 slices/);
  assert.equal(out.at(-1), '\n');
});
