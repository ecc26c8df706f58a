// Window/level in the viewer, in two steps. Exact: for an image with a stored window
// (ImageSummary.window: DICOM, NIfTI, 16-bit grey; modality units after rescale) the core makes
// the frame for the window on screen from the raw values (getImageFrame's `window`), so what is
// shown once the window settles is DICOM's linear VOI function of the true values — nothing
// clipped by the import's window, no banding (frame-loader.ts fetches it, exact-window.ts decides
// when). Instant: while the window moves (a right-drag) and until that frame arrives, the frame
// on screen, made with some window, is remapped here: each of its 256 grey levels is mapped back
// to the modality value it stands for (inverting the linear function) and windowed again. That
// remap is exact inside the frame's window, but values it clipped stay clipped (flat black/white)
// and a much narrower window has only a few input levels (banding) — for a moment only. Images
// without a stored window (8-bit, colour) are shown as stored: their grey level is the value,
// so the remap is exact for them and the core is never asked.

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
 * Whether the CT presets and the "HU" unit apply: a CT (DICOM Modality 'CT') with a stored window,
 * whose values are Hounsfield units after rescale. Every other image (MR, PET, X-ray, NIfTI,
 * which carries no modality) has arbitrary units: no presets, no unit.
 */
export function presetsApply(image: { window: WindowLevel | null; modality: string | null }): boolean {
  return image.window !== null && image.modality === 'CT';
}

/** The unit after a window's numbers: ' HU' for CT, nothing for arbitrary units. */
export function windowUnits(image: { window: WindowLevel | null; modality: string | null }): string {
  return presetsApply(image) ? ' HU' : '';
}

/** Same center and width: a frame made with `a` shows `b` without a remap. */
export function sameWindow(a: WindowLevel, b: WindowLevel): boolean {
  return a.center === b.center && a.width === b.width;
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
  // the same window shows the frame as it is; computing it would lose a width-1 (threshold) window,
  // whose 0 and 255 both map back to c − 0.5
  if (sameWindow(stored, shown)) return lut.map((_, v) => v);
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

function checkWindow(w: WindowLevel, which: string): void {
  if (!(Number.isFinite(w.center) && Number.isFinite(w.width) && w.width >= 1)) {
    throw new RangeError(`${which} window center ${w.center} / width ${w.width}: the width must be ≥ 1 and both finite`);
  }
}
