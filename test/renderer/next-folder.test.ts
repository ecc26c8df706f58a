// The export dialog's suggestion after an export: the next free "-N" folder beside the last one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextFreeFolder, splitFolder } from '../../renderer/src/export/next-folder.ts';

test('a used folder gets -2; a numbered one counts on; taken names are skipped', () => {
  assert.equal(nextFreeFolder('/data/exports/shapes-png', ['shapes-png']), '/data/exports/shapes-png-2');
  assert.equal(nextFreeFolder('/data/exports/shapes-png-2', ['shapes-png', 'shapes-png-2']), '/data/exports/shapes-png-3');
  assert.equal(nextFreeFolder('/data/exports/shapes-png', ['shapes-png', 'shapes-png-2', 'shapes-png-3']), '/data/exports/shapes-png-4');
  assert.equal(nextFreeFolder('/data/exports/masks/', ['masks']), '/data/exports/masks-2', 'a trailing separator is dropped');
});

test('Windows paths keep their separator; a folder at the root stays there', () => {
  assert.equal(nextFreeFolder('D:\\exports\\polyps', ['polyps']), 'D:\\exports\\polyps-2');
  assert.equal(nextFreeFolder('/masks', ['masks']), '/masks-2');
  assert.deepEqual(splitFolder('/masks'), { parent: '/', sep: '/', name: 'masks' });
});

test('only -2 … -999 count on; other numbers are part of the name', () => {
  assert.equal(nextFreeFolder('/x/2024', []), '/x/2024-2');
  assert.equal(nextFreeFolder('/x/-5', []), '/x/-5-2');
  assert.equal(nextFreeFolder('/x/run-2024', ['run-2024']), '/x/run-2024-2', 'four digits are part of the name (a year), not a counter');
  assert.equal(nextFreeFolder('/x/run-1', ['run-1']), '/x/run-1-2', '-1 is not one of the counters, which start at 2');
});
