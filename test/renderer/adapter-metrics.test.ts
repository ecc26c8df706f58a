import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adapterScore, adapterScoredImages, formatAdapterScore } from '../../renderer/src/lib/adapter-metrics.ts';

test('scores stored as SegmentationScores are read with their spread', () => {
  const m = { n: 4, dsc: { mean: 0.812, std: 0.031 }, iou: { mean: 0.7, std: 0.05 }, hd95: { mean: 9.25, std: 2 } };
  assert.equal(formatAdapterScore(m, 'dsc'), '81.2 ± 3.1');
  assert.equal(formatAdapterScore(m, 'iou'), '70.0 ± 5.0');
  assert.equal(formatAdapterScore(m, 'hd95'), '9.3 ± 2.0'); // 9.25 is exact in binary and rounds up
});

test('plain numbers, nested scores and a bare validation Dice are found too', () => {
  assert.deepEqual(adapterScore({ dice: 0.9 }, 'dsc'), { mean: 0.9, std: null });
  assert.deepEqual(adapterScore({ candidate: { dsc: { mean: 0.5, std: 0.1 } } }, 'dsc'), { mean: 0.5, std: 0.1 });
  assert.deepEqual(adapterScore({ valDice: 0.66 }, 'dsc'), { mean: 0.66, std: null });
  assert.equal(formatAdapterScore({ valDice: 0.66 }, 'dsc'), '66.0');
});

test('missing or malformed metrics show a dash', () => {
  assert.equal(formatAdapterScore({}, 'dsc'), '—');
  assert.equal(formatAdapterScore(null, 'iou'), '—');
  assert.equal(formatAdapterScore({ dsc: 'high', hd95: { mean: NaN } }, 'dsc'), '—');
  assert.equal(formatAdapterScore({ hd95: { mean: NaN } }, 'hd95'), '—');
});

test('the number of scored images is read from heldOut, n or candidate.n', () => {
  assert.equal(adapterScoredImages({ dsc: 0.5, heldOut: 11 }), 11);
  assert.equal(adapterScoredImages({ n: 4 }), 4);
  assert.equal(adapterScoredImages({ candidate: { n: 3 } }), 3);
  assert.equal(adapterScoredImages({ heldOut: 'x' }), null);
  assert.equal(adapterScoredImages(null), null);
});
