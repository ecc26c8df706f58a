// The percentile bootstrap of a mean on data with a known distribution: differences drawn from
// N(μ, σ) with a seeded generator. The interval covers μ, its width is the normal theory's
// 2·1.96·σ/√n, and over many data sets it covers μ about 95 % of the time. Plus the verdict rule
// at its boundaries (contract/adapter-report.ts), shared with the adapt comparison.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussian, mulberry32 } from '../../main/common/rng.ts';
import { MIN_JUDGED, verdictOf, worseThan } from '../../main/contract/adapter-report.ts';
import { bootstrapMean } from '../../main/training/bootstrap.ts';

const normal = (n: number, mu: number, sigma: number, seed: number) => {
  const rng = mulberry32(seed);
  return Float64Array.from({ length: n }, () => mu + sigma * gaussian(rng));
};

test('on N(μ, σ) data the 95 % interval covers μ and is 2·1.96·σ/√n wide', () => {
  const [mu, sigma, n] = [0.04, 0.1, 400];
  const x = normal(n, mu, sigma, 2024);
  const ci = bootstrapMean(x, { seed: 1 });
  assert.equal(ci.resamples, 10_000);
  assert.equal(ci.level, 0.95);
  assert.ok(ci.low < mu && mu < ci.high, `[${ci.low}, ${ci.high}] misses μ = ${mu}`);
  const theory = (2 * 1.96 * sigma) / Math.sqrt(n); // 0.0196
  const width = ci.high - ci.low;
  assert.ok(Math.abs(width / theory - 1) < 0.1, `width ${width} vs theory ${theory}`);
  // against the sample's own spread (the plug-in standard error) the agreement is closer
  const mean = x.reduce((a, b) => a + b, 0) / n;
  const s = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  assert.ok(Math.abs(width / ((2 * 1.96 * s) / Math.sqrt(n)) - 1) < 0.04, `width ${width} vs plug-in ${(2 * 1.96 * s) / Math.sqrt(n)}`);
  assert.ok(Math.abs(ci.mean - mean) < 1e-12);
  // centred on the sample mean (the bootstrap distribution of a mean is near symmetric)
  assert.ok(Math.abs((ci.low + ci.high) / 2 - mean) < 0.1 * theory);
});

test('over 300 data sets of n = 30 the interval covers μ about 95 % of the time', () => {
  let covered = 0;
  const sets = 300;
  for (let k = 0; k < sets; k++) {
    const ci = bootstrapMean(normal(30, -0.2, 0.3, 100 + k), { seed: k, resamples: 2000 });
    if (ci.low < -0.2 && -0.2 < ci.high) covered++;
  }
  // the percentile bootstrap runs slightly under nominal at n = 30 (≈ 0.93–0.94); ±3 binomial SDs ≈ ±0.04
  assert.ok(covered / sets > 0.89 && covered / sets < 0.99, `coverage ${covered / sets}`);
});

test('the bootstrap is reproducible from its seed and refuses what it cannot resample', () => {
  const x = normal(12, 0, 1, 5);
  assert.deepEqual(bootstrapMean(x, { seed: 9 }), bootstrapMean(x, { seed: 9 }));
  assert.notDeepEqual(bootstrapMean(x, { seed: 9 }), bootstrapMean(x, { seed: 10 }));
  const flat = bootstrapMean([0.25, 0.25, 0.25], { seed: 1 });
  assert.deepEqual([flat.low, flat.mean, flat.high], [0.25, 0.25, 0.25]);
  assert.throws(() => bootstrapMean([], { seed: 1 }), /no values/);
  assert.throws(() => bootstrapMean([1, NaN], { seed: 1 }), /value 1 is NaN/);
  assert.throws(() => bootstrapMean([1], { seed: 1, resamples: 0 }), /resamples/);
  assert.throws(() => bootstrapMean([1], { seed: 1, level: 1 }), /level/);
});

test('the verdict: too few below MIN_JUDGED, else which side of 0 the interval lies', () => {
  assert.equal(MIN_JUDGED, 3);
  const clear = { low: 0.1, high: 0.2 };
  assert.equal(verdictOf(2, clear), 'too few held-out images');
  assert.equal(verdictOf(0, clear), 'too few held-out images');
  assert.equal(verdictOf(3, clear), 'better');
  assert.equal(verdictOf(3, null), 'too few held-out images');
  assert.equal(verdictOf(3, { low: Number.MIN_VALUE, high: 0.2 }), 'better');
  assert.equal(verdictOf(3, { low: 0, high: 0.2 }), 'no measurable difference', 'an interval that touches 0 is not better');
  assert.equal(verdictOf(3, { low: -0.2, high: 0 }), 'no measurable difference');
  assert.equal(verdictOf(3, { low: -0.2, high: -Number.MIN_VALUE }), 'worse');
  assert.equal(verdictOf(3, { low: -0.1, high: 0.1 }), 'no measurable difference');
  assert.equal(verdictOf(3, { low: 0, high: 0 }), 'no measurable difference');
  // distances: lower is better, so a negative difference is the better side
  assert.equal(verdictOf(5, { low: -3, high: -1 }, false), 'better');
  assert.equal(verdictOf(5, { low: 1, high: 3 }, false), 'worse');
  assert.equal(verdictOf(5, { low: -1, high: 0 }, false), 'no measurable difference');
  assert.deepEqual(worseThan({ modelId: 'm', computedAt: 't', n: 4, vsBase: 'worse', vsPrevious: 'better' }), ['the base model']);
  assert.deepEqual(worseThan({ modelId: 'm', computedAt: 't', n: 4, vsBase: 'no measurable difference', vsPrevious: 'worse' }), ['the previous adapter']);
  assert.deepEqual(worseThan(null), []);
});
