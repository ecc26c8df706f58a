// Window/level in the viewer. The core sends each frame as 8-bit grey already windowed with the
// window stored at import (ImageSummary.window: the DICOM header's window, else the full value
// range; null for 8-bit PNG/JPEG). The raw values never reach the renderer, so a different window
// is a display-side remap of those 256 grey levels: each level is mapped back to the modality
// value it stands for (inverting DICOM's linear VOI function) and windowed again. Exact inside the
// stored window, but values the stored window clipped stay clipped (flat black/white), and a
// window much narrower than the stored one has only a few distinct input levels (banding).

export interface WindowLevel {
  center: number;
  width: number;
}

export interface WindowPreset extends WindowLevel {
  id: 'soft-tissue' | 'lung' | 'bone' | 'brain';
  label: string;
}

/** CT presets in Hounsfield units. */
export const CT_PRESETS: readonly WindowPreset[] = [
  { id: 'soft-tissue', label: 'Soft tissue', center: 40, width: 400 },
  { id: 'lung', label: 'Lung', center: -600, width: 1500 },
  { id: 'bone', label: 'Bone', center: 480, width: 2500 },
  { id: 'brain', label: 'Brain', center: 40, width: 80 },
];

/** For 8-bit images the grey level is the value: the window that maps v to v. */
export const IDENTITY_WINDOW: WindowLevel = { center: 128, width: 256 };

/** The window the frame arrived with (identity for 8-bit images). */
export function storedWindow(image: { window: WindowLevel | null }): WindowLevel {
  return image.window ?? IDENTITY_WINDOW;
}

/**
 * Whether absolute CT presets make sense: a stored window in modality units (so HU are known) on a
 * CT, or on a NIfTI volume (no modality tag; most are CT in HU — an assumption, stated in the UI).
 */
export function presetsApply(image: { window: WindowLevel | null; modality: string | null; fileName: string }): boolean {
  if (!image.window) return false;
  if (image.modality === 'CT') return true;
  return image.modality === null && /\.nii(\.gz)?$/i.test(image.fileName);
}

/** DICOM PS3.3 C.11.2.1.2.1 LINEAR, output 0..255 (the same function the core applies). */
export function windowValue(x: number, w: WindowLevel): number {
  const low = w.center - 0.5 - (w.width - 1) / 2;
  const high = w.center - 0.5 + (w.width - 1) / 2;
  if (x > high) return 255;
  if (x <= low) return 0;
  return Math.round(((x - (w.center - 0.5)) / (w.width - 1) + 0.5) * 255);
}

/** The modality value that the stored window turned into grey level `v` (inverse of windowValue). */
export function valueOfGrey(v: number, stored: WindowLevel): number {
  return (v / 255 - 0.5) * (stored.width - 1) + stored.center - 0.5;
}

/** Grey level → displayed grey level for showing `shown` when the frame was made with `stored`. */
export function displayLut(stored: WindowLevel, shown: WindowLevel): Uint8Array {
  checkWindow(stored, 'stored');
  checkWindow(shown, 'shown');
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = windowValue(valueOfGrey(v, stored), shown);
  return lut;
}

export function isIdentityLut(lut: Uint8Array): boolean {
  for (let v = 0; v < 256; v++) if (lut[v] !== v) return false;
  return true;
}

/** Applies a LUT to the colour channels of RGBA bytes (alpha kept); grey images have R = G = B. */
export function applyLutRgba(src: Uint8ClampedArray, dst: Uint8ClampedArray, lut: Uint8Array): void {
  for (let i = 0; i < src.length; i += 4) {
    dst[i] = lut[src[i]];
    dst[i + 1] = lut[src[i + 1]];
    dst[i + 2] = lut[src[i + 2]];
    dst[i + 3] = src[i + 3];
  }
}

/**
 * Right-drag: rightwards widens the window, downwards raises the level (the image darkens), at a
 * rate where dragging across 512 CSS pixels changes either by the stored window's width.
 */
export function dragWindow(start: WindowLevel, dx: number, dy: number, stored: WindowLevel): WindowLevel {
  const perPx = stored.width / 512;
  return { center: start.center + dy * perPx, width: Math.max(1, start.width + dx * perPx) };
}

/** Which parts of the shown window lie outside what the stored 8-bit frame can represent. */
export function clippedRange(stored: WindowLevel, shown: WindowLevel): { below: boolean; above: boolean } {
  const storedLow = valueOfGrey(0, stored);
  const storedHigh = valueOfGrey(255, stored);
  const shownLow = shown.center - 0.5 - (shown.width - 1) / 2;
  const shownHigh = shown.center - 0.5 + (shown.width - 1) / 2;
  return { below: shownLow < storedLow - 1e-6, above: shownHigh > storedHigh + 1e-6 };
}

/** Distinct stored grey levels that fall inside the shown window (few: visible banding). */
export function levelsInside(stored: WindowLevel, shown: WindowLevel): number {
  const shownLow = shown.center - 0.5 - (shown.width - 1) / 2;
  const shownHigh = shown.center - 0.5 + (shown.width - 1) / 2;
  let n = 0;
  for (let v = 0; v < 256; v++) {
    const x = valueOfGrey(v, stored);
    if (x > shownLow && x <= shownHigh) n++;
  }
  return n;
}

function checkWindow(w: WindowLevel, which: string): void {
  if (!(Number.isFinite(w.center) && Number.isFinite(w.width) && w.width >= 1)) {
    throw new RangeError(`${which} window center ${w.center} / width ${w.width}: the width must be ≥ 1 and both finite`);
  }
}
