/**
 * Window/level: turning modality values (after rescale) into 8-bit display grey, as DICOM's
 * linear VOI LUT function does. The same window feeds the model's 8-bit input, so it is stored
 * with each training sample.
 */

export interface Window {
  center: number;
  /** ≥ 1, as PS3.3 C.11.2.1.2 requires */
  width: number;
}

/** A window that cannot be applied: not {center, width}, a center that is not finite, or a width below 1. */
export class WindowError extends RangeError {
  override name = 'WindowError';
}

/**
 * Why `value` is not a usable window, or null when it is one: an object with a finite numeric
 * `center` and a finite numeric `width` ≥ 1 (PS3.3 C.11.2.1.2). For values that arrive from outside
 * (API requests, URL parameters), so the check names what is wrong rather than trusting the type.
 */
export function windowProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `must be an object {center, width}, got ${describe(value)}`;
  const { center, width } = value as Record<string, unknown>;
  if (typeof center !== 'number' || !Number.isFinite(center)) return `center must be a finite number, got ${describe(center)}`;
  if (typeof width !== 'number' || !Number.isFinite(width) || width < 1) return `width must be a finite number ≥ 1, got ${describe(width)}`;
  return null;
}

/** `value` as a Window, or a {@link WindowError} naming `what` and the problem. */
export function checkWindow(value: unknown, what = 'window'): Window {
  const problem = windowProblem(value);
  if (problem) throw new WindowError(`${what}: ${problem}`);
  const { center, width } = value as Window;
  return { center, width };
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v); // JSON would turn NaN and Infinity into null
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** CT presets in Hounsfield units. */
export const CT_PRESETS = {
  softTissue: { label: 'Soft tissue', center: 40, width: 400 },
  lung: { label: 'Lung', center: -600, width: 1500 },
  bone: { label: 'Bone', center: 480, width: 2500 },
  brain: { label: 'Brain', center: 40, width: 80 },
} as const satisfies Record<string, Window & { label: string }>;

/**
 * PS3.3 C.11.2.1.2.1, the LINEAR function, with output range 0..255:
 *   x ≤ c − 0.5 − (w − 1)/2  → 0
 *   x > c − 0.5 + (w − 1)/2  → 255
 *   else ((x − (c − 0.5)) / (w − 1) + 0.5) × 255, rounded to the nearest integer.
 * `invert` mirrors the result (255 − y): MONOCHROME1 images, where low values are white.
 */
export function applyWindow(values: ArrayLike<number>, window: Window, invert = false): Uint8Array {
  const { center: c, width: w } = window;
  if (!(Number.isFinite(c) && Number.isFinite(w) && w >= 1)) throw new RangeError(`window center ${c} / width ${w}: the width must be ≥ 1 and both finite`);
  const low = c - 0.5 - (w - 1) / 2;
  const high = c - 0.5 + (w - 1) / 2;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // NaN compares false everywhere, so it lands on the dark end rather than mid-grey
    const y = x > high ? 255 : x > low ? Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255) : 0;
    out[i] = invert ? 255 - y : y;
  }
  return out;
}

/** What decides a default window besides the values: the header's own window, and the modality. */
export interface WindowSource {
  window?: Window | null;
  modality?: string | null;
}

/**
 * The percentiles a non-CT image's default window spans. MR, PET, ultrasound and 16-bit PNG
 * values have no absolute unit, and a few hot voxels (vessels, fat, a reconstruction spike) are
 * common: 0.5–99.5 % keeps one bright voxel from turning the rest flat grey, and still shows
 * everything but the extreme 1 %.
 */
export const ROBUST_PERCENTILES = [0.5, 99.5] as const;

/** Values sorted for the percentiles at most: above this a fixed pseudo-random sample stands in (1 Mi values ≈ 8 MiB, ~0.1 s to sort). */
export const PERCENTILE_SAMPLE = 1 << 20;

/**
 * The window to show an image with:
 * - the header's own window when it has one (DICOM WindowCenter/Width);
 * - CT (modality 'CT': Hounsfield units, an absolute scale): the full range, smallest value to 0
 *   and largest to 255 under {@link applyWindow};
 * - anything else (MR and other modalities, NIfTI, which has no modality, 16-bit PNG): the
 *   {@link ROBUST_PERCENTILES} range, over all of `values` (every frame of a volume, so slices
 *   share one window and do not flicker; the middle slice alone can miss what the rest holds),
 *   sampled above {@link PERCENTILE_SAMPLE} values. A range that collapses (more than 99 % one
 *   value) falls back to the full range.
 * `values` is one array, or one per frame. NaN is ignored.
 */
export function defaultWindow(values: ArrayLike<number> | readonly ArrayLike<number>[], header?: WindowSource): Window {
  if (header?.window) return header.window;
  const arrays = isFrameList(values) ? values : [values as ArrayLike<number>];
  const full = valueRange(arrays);
  if (!full) return { center: 0.5, width: 1 }; // empty or all NaN
  if (header?.modality === 'CT') return windowForRange(full[0], full[1]);
  const [lo, hi] = percentileRange(arrays, ROBUST_PERCENTILES[0], ROBUST_PERCENTILES[1]);
  return lo < hi ? windowForRange(lo, hi) : windowForRange(full[0], full[1]);
}

/** The window that maps `min` to 0 and `max` to 255 under {@link applyWindow} (cal_min/cal_max, a value range). */
export function windowForRange(min: number, max: number): Window {
  // solve c − 0.5 ∓ (w − 1)/2 = min, max for w and c
  return { center: (min + max) / 2 + 0.5, width: max - min + 1 };
}

function isFrameList(v: ArrayLike<number> | readonly ArrayLike<number>[]): v is readonly ArrayLike<number>[] {
  return v.length > 0 && typeof v[0] === 'object' && v[0] !== null;
}

function valueRange(arrays: readonly ArrayLike<number>[]): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return min <= max ? [min, max] : null;
}

/**
 * numpy.percentile's default ('linear') at `pLow` and `pHigh` over the numbers in `arrays`, all of
 * them up to {@link PERCENTILE_SAMPLE}, else a sample of that many drawn with a fixed seed (the
 * same file always gets the same window; a regular stride could line up with the image's columns).
 */
function percentileRange(arrays: readonly ArrayLike<number>[], pLow: number, pHigh: number): [number, number] {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const take = Math.min(total, PERCENTILE_SAMPLE);
  const picked = new Float64Array(take);
  let n = 0;
  if (total <= PERCENTILE_SAMPLE) {
    for (const a of arrays) for (let i = 0; i < a.length; i++) if (a[i] === a[i]) picked[n++] = a[i];
  } else {
    const starts: number[] = [];
    let at = 0;
    for (const a of arrays) {
      starts.push(at);
      at += a.length;
    }
    let seed = 0x9e3779b9;
    for (let s = 0; s < take; s++) {
      // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const g = Math.floor(((seed >>> 0) / 2 ** 32) * total);
      // the frame holding g: the last start ≤ g
      let f = 0;
      for (let hi = arrays.length - 1; f < hi; ) {
        const mid = (f + hi + 1) >> 1;
        if (starts[mid] <= g) f = mid;
        else hi = mid - 1;
      }
      const x = arrays[f][g - starts[f]];
      if (x === x) picked[n++] = x;
    }
  }
  const sorted = picked.subarray(0, n).sort();
  const at = (p: number) => {
    const rank = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
  };
  return [at(pLow), at(pHigh)];
}
