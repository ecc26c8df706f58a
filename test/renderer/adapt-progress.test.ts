import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdaptProgress } from '../../main/contract/contract.ts';
import { addAdaptPoint, MAX_CHART_POINTS, readAdaptProgress, readAdaptResult, type AdaptChartPoint } from '../../renderer/src/lib/adapt-progress.ts';

const ev = (o: Partial<AdaptProgress>): AdaptProgress => ({ phase: 'training', step: 0, epoch: 0, maxEpochs: 10, loss: null, lr: 1e-3, valDice: null, valLoss: null, eta: null, ...o });

test('training losses become points by step; a validation Dice joins its step in percent', () => {
  let pts: AdaptChartPoint[] = [];
  pts = addAdaptPoint(pts, ev({ step: 1, epoch: 0, loss: 0.9 }));
  pts = addAdaptPoint(pts, ev({ step: 2, epoch: 0, loss: 0.7 }));
  pts = addAdaptPoint(pts, ev({ phase: 'evaluating', step: 2, epoch: 0, valDice: 0.615, loss: 0.123 }));
  pts = addAdaptPoint(pts, ev({ step: 3, epoch: 1, loss: 0.5 }));
  assert.deepEqual(pts, [
    { step: 1, epoch: 0, loss: 0.9, valDice: null },
    // the evaluating event's loss is not a training loss: the training loss at step 2 stays
    { step: 2, epoch: 0, loss: 0.7, valDice: 61.5 },
    { step: 3, epoch: 1, loss: 0.5, valDice: null },
  ]);
});

test('events without a loss or a Dice add nothing and return the same array', () => {
  const pts: AdaptChartPoint[] = [{ step: 1, epoch: 0, loss: 1, valDice: null }];
  assert.equal(addAdaptPoint(pts, ev({ phase: 'caching', step: 0 })), pts);
  assert.equal(addAdaptPoint(pts, ev({ phase: 'training', step: 2, loss: null })), pts);
});

test('a repeated or out-of-order step replaces or is inserted in order, and the input is not changed', () => {
  const pts: AdaptChartPoint[] = [{ step: 1, epoch: 0, loss: 1, valDice: null }, { step: 3, epoch: 0, loss: 0.5, valDice: null }];
  const a = addAdaptPoint(pts, ev({ step: 2, loss: 0.8 }));
  assert.deepEqual(a.map((p) => p.step), [1, 2, 3]);
  const b = addAdaptPoint(a, ev({ step: 3, loss: 0.4 }));
  assert.deepEqual(b.map((p) => p.loss), [1, 0.8, 0.4]);
  assert.equal(pts.length, 2);
});

test('long runs are thinned in their older half; points with a validation Dice survive', () => {
  let pts: AdaptChartPoint[] = [];
  for (let s = 1; s <= MAX_CHART_POINTS; s++) pts = addAdaptPoint(pts, ev({ step: s, loss: 1 / s, valDice: s % 50 === 0 ? 0.5 : null }));
  assert.equal(pts.length, MAX_CHART_POINTS);
  pts = addAdaptPoint(pts, ev({ step: MAX_CHART_POINTS + 1, loss: 0.001 }));
  assert.ok(pts.length < MAX_CHART_POINTS, `thinned to ${pts.length}`);
  // every Dice point is still there
  const dice = pts.filter((p) => p.valDice != null).map((p) => p.step);
  assert.deepEqual(dice, Array.from({ length: MAX_CHART_POINTS / 50 }, (_, k) => (k + 1) * 50));
  // steps stay strictly increasing and the newest half is intact
  for (let k = 1; k < pts.length; k++) assert.ok(pts[k].step > pts[k - 1].step);
  assert.equal(pts.at(-1)!.step, MAX_CHART_POINTS + 1);
  assert.ok(pts.filter((p) => p.step > (MAX_CHART_POINTS + 1) / 2 + 1).length >= MAX_CHART_POINTS / 2 - 1);
});

test('progress objects are read field by field; non-adapt progress is not an adapt progress', () => {
  assert.equal(readAdaptProgress({ done: 1, total: 3, message: 'x.png' }), null);
  assert.equal(readAdaptProgress(null), null);
  const p = readAdaptProgress({ done: 5, total: 100, phase: 'training', step: 5, epoch: 1, maxEpochs: 20, loss: 0.3, lr: 0.001, valDice: 'bad', eta: 90 });
  assert.deepEqual(p, { done: 5, total: 100, message: undefined, phase: 'training', step: 5, epoch: 1, maxEpochs: 20, loss: 0.3, lr: 0.001, valDice: null, valLoss: null, eta: 90 });
});

test('an adapt result needs the adapter id and both score sets', () => {
  const s = { n: 3, dsc: { mean: 0.8, std: 0.1 }, iou: { mean: 0.7, std: 0.1 }, hd95: { mean: 5, std: 1 } };
  const r = { adapterId: 7, variant: 'sa-vlc', epochs: 10, bestEpoch: 8, trainImages: 9, heldOutImages: 3, candidate: s, current: { ...s, adapterId: null } };
  assert.equal(readAdaptResult(r), r);
  assert.equal(readAdaptResult({ ...r, candidate: undefined }), null);
  assert.equal(readAdaptResult({ dir: '/tmp/x', files: 3 }), null);
  assert.equal(readAdaptResult(null), null);
});
