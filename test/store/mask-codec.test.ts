// The mask blob format: run lengths (LEB128) under raw DEFLATE, checked byte for byte against
// hand-computed run lists through zlib's own inflate.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeMask, encodeMask } from '../../main/store/mask-codec.ts';
import { MaskSizeError } from '../../main/store/errors.ts';

const runs = (blob: Uint8Array) => [...inflateRawSync(blob)];

test('runs alternate from background: 0 0 1 1 1 0 is 2, 3, 1', () => {
  const { blob, area } = encodeMask(Uint8Array.from([0, 0, 1, 1, 1, 0]), 3, 2);
  assert.deepEqual(runs(blob), [2, 3, 1]);
  assert.equal(area, 3);
  assert.deepEqual([...decodeMask(blob, 3, 2)], [0, 0, 1, 1, 1, 0]);
});

test('a mask starting with foreground begins with an empty background run; 255 counts as foreground', () => {
  const { blob, area } = encodeMask(Uint8Array.from([255, 7, 0, 0]), 2, 2);
  assert.deepEqual(runs(blob), [0, 2, 2]);
  assert.equal(area, 2);
  assert.deepEqual([...decodeMask(blob, 2, 2)], [1, 1, 0, 0]);
});

test('long runs are LEB128 varints: 200 → C8 01, 20000 → A0 9C 01', () => {
  assert.deepEqual(runs(encodeMask(new Uint8Array(200), 20, 10).blob), [0xc8, 0x01]);
  const fg = new Uint8Array(20001).fill(1);
  fg[0] = 0;
  assert.deepEqual(runs(encodeMask(fg, 20001, 1).blob), [1, 0xa0, 0x9c, 0x01]);
  assert.equal(decodeMask(encodeMask(fg, 20001, 1).blob, 20001, 1).reduce((a, b) => a + b, 0), 20000);
});

test('a random 64×48 mask survives the round trip', () => {
  let seed = 7;
  const px = new Uint8Array(64 * 48).map(() => ((seed = (seed * 1103515245 + 12345) % 2147483648) >> 16) & 1);
  const { blob, area } = encodeMask(px, 64, 48);
  assert.deepEqual(decodeMask(blob, 64, 48), px);
  assert.equal(area, px.reduce((a, b) => a + b, 0));
});

test('sizes that disagree with the pixels or the runs are refused', () => {
  assert.throws(() => encodeMask(new Uint8Array(10), 3, 3), (e: Error) => e instanceof MaskSizeError && /10 pixels but its size is 3×3 = 9/.test(e.message));
  const { blob } = encodeMask(new Uint8Array(6), 3, 2);
  assert.throws(() => decodeMask(blob, 4, 2), (e: Error) => e instanceof MaskSizeError && /covers 6 pixels but its size is 4×2 = 8/.test(e.message));
  assert.throws(() => decodeMask(blob, 5, 1), /covers more than its size 5×1/);
  assert.throws(() => decodeMask(deflateRawSync(Uint8Array.from([2, 0x80])), 2, 1), /ends inside a run length/);
});
