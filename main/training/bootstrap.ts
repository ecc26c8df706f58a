// Percentile bootstrap of a mean (Efron & Tibshirani 1993, ch. 13): resample the n values with
// replacement, take each resample's mean, and read the interval off the sorted means. For paired
// per-image differences this is the interval of the mean difference without assuming normality,
// which held-out Dice differences (bounded, often skewed) do not satisfy. Seeded, so a report is
// the same every time it is made.

import { mulberry32 } from '../common/rng.ts';
import { percentile } from './metrics.ts';

export interface BootstrapOptions {
  /** resamples (default 10 000) */
  resamples?: number;
  /** two-sided coverage (default 0.95) */
  level?: number;
  seed: number;
}

export interface BootstrapInterval {
  mean: number;
  low: number;
  high: number;
  resamples: number;
  level: number;
}

/** The mean of `values` and its percentile-bootstrap interval. Throws on no values or a bad option. */
export function bootstrapMean(values: ArrayLike<number>, o: BootstrapOptions): BootstrapInterval {
  const n = values.length;
  const resamples = o.resamples ?? 10_000;
  const level = o.level ?? 0.95;
  if (n === 0) throw new RangeError('bootstrapMean: no values');
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrapMean: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapMean: level must be in (0, 1), got ${level}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) throw new RangeError(`bootstrapMean: value ${i} is ${values[i]}`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const rng = mulberry32(o.seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rng() * n)];
    means[r] = s / n;
  }
  const tail = (100 * (1 - level)) / 2;
  const low = percentile(means, tail);
  const high = percentile(means, 100 - tail);
  return { mean: sum / n, low, high, resamples, level };
}
