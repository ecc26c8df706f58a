// Seeded random data for tests (mulberry32), so every failure reproduces.

import { mulberry32 } from '../../main/common/rng.ts';

/** A seeded uniform [0, 1) generator: the project's mulberry32. */
export const rng = mulberry32;

export function uniform(rand: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** Standard normal values (Box–Muller). */
export function normal(rand: () => number, n: number, std = 1): number[] {
  return Array.from({ length: n }, () => std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
}
