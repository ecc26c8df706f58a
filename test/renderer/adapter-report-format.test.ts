// The adapter report's wording in the app: signed differences with their interval, means, and the
// activation question, which is asked only when a recorded verdict is 'worse'.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activationWarning, formatDifference, formatMean, VERDICT_COLOR } from '../../renderer/src/adapters/report-format.ts';

test('differences read as signed points or distances with their 95 % interval', () => {
  assert.equal(formatDifference({ mean: 0.0312, interval: { low: 0.005, high: 0.058 }, verdict: 'better' }, 'dsc', 'mm'), '+3.12 points (95 % CI +0.50 to +5.80)');
  assert.equal(formatDifference({ mean: -1.5, interval: { low: -2.25, high: -0.5 }, verdict: 'better' }, 'hd95', 'mm'), '−1.50 mm (95 % CI −2.25 to −0.50)');
  assert.equal(formatDifference({ mean: 0.1, interval: null, verdict: 'too few held-out images' }, 'iou', 'px'), '+10.00 points');
  assert.equal(formatMean({ mean: 0.873, std: 0.021 }, 'dsc'), '87.3 ± 2.1');
  assert.equal(formatMean({ mean: 4.25, std: 1 }, 'hd95'), '4.3 ± 1.0');
  assert.equal(formatMean({ mean: NaN, std: NaN }, 'iou'), '—');
  assert.equal(VERDICT_COLOR.worse, 'red');
});

test('activating asks only when a recorded verdict is worse, naming what it is worse than', () => {
  const e = { modelId: 'm', computedAt: 't', n: 6 };
  assert.equal(activationWarning('A', null), null);
  assert.equal(activationWarning('A', { ...e, vsBase: 'better', vsPrevious: 'no measurable difference' }), null);
  assert.equal(activationWarning('A', { ...e, vsBase: 'too few held-out images', vsPrevious: null }), null);
  assert.equal(activationWarning('A', { ...e, vsBase: 'worse', vsPrevious: null }), 'On its 6 held-out corrected images, "A" segments worse than the base model (Dice, paired bootstrap 95 % interval below 0). Activate it anyway?');
  assert.match(activationWarning('A', { ...e, vsBase: 'worse', vsPrevious: 'worse' })!, /worse than the base model and the previous adapter/);
});
