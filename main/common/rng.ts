// A small seeded random number generator for training: shuffling, prompt choice and synthetic
// data. Runs must be reproducible from a seed on every platform, which Math.random is not.

/** Uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: 32 bits of state, period 2^32, good enough statistics for shuffles and sampling
 * (not for cryptography). The seed is taken modulo 2^32.
 */
export function mulberry32(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`mulberry32: seed must be a finite number, got ${seed}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`randomInt: n must be a positive integer, got ${n}`);
  return Math.floor(rng() * n);
}

/** A uniform number in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** A standard normal number (Box–Muller; one of the pair, so each call draws two uniforms). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng(); // (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Shuffles `array` in place (Fisher–Yates) and returns it. */
export function shuffle<T>(array: T[], rng: Rng): T[] {
  for (let k = array.length - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    const t = array[k];
    array[k] = array[j];
    array[j] = t;
  }
  return array;
}

/** A seed for a named sub-stream (split, image index ...), so streams do not overlap or shift. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  // FNV-1a over the seed and the parts, then one mulberry32 step to spread the bits.
  let h = 0x811c9dc5;
  for (const ch of `${seed >>> 0}|${parts.join('|')}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Math.floor(mulberry32(h)() * 4294967296);
}
