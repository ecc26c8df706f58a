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

/**
 * The window to show an image with: the header's first window if it has one, else the one that
 * maps the smallest value to 0 and the largest to 255 under {@link applyWindow}.
 */
export function defaultWindow(values: ArrayLike<number>, header?: { window?: Window }): Window {
  if (header?.window) return header.window;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min > max) return { center: 0.5, width: 1 }; // empty or all NaN
  // solve c − 0.5 ∓ (w − 1)/2 = min, max for w and c
  return { center: (min + max) / 2 + 0.5, width: max - min + 1 };
}
