// The training chart's epoch ticks: where each epoch begins, counted as the status line counts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochTicks } from '../../renderer/src/adapt/epoch-axis.ts';

test('three epochs of four steps: ticks 0, 1, 2 at steps 0, 4, 8', () => {
  // the trainer's step counter is global and counts from 1 (the step just done)
  const points = Array.from({ length: 12 }, (_, i) => ({ step: i + 1, epoch: Math.floor(i / 4) }));
  assert.deepEqual(epochTicks(points), [
    { step: 0, epochs: 0 },
    { step: 4, epochs: 1 },
    { step: 8, epochs: 2 },
  ]);
});

test('a run resumed at epoch 5 starts its axis there; no points, no ticks', () => {
  assert.deepEqual(epochTicks([{ step: 21, epoch: 5 }, { step: 22, epoch: 5 }, { step: 25, epoch: 6 }]), [
    { step: 20, epochs: 5 },
    { step: 24, epochs: 6 },
  ]);
  assert.deepEqual(epochTicks([]), []);
});
