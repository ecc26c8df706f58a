// Voxel spacing as the library card writes it.

import type { ImageSummary } from '../../../main/contract/contract.ts';

const mm = (v: number) => String(Math.round(v * 100) / 100);

/** "0.75 × 0.75 × 1.25 mm" (row × column × slice), or in-plane only; null when the file gives none. */
export function spacingText(image: Pick<ImageSummary, 'pixelSpacing' | 'sliceSpacing' | 'frames'>): string | null {
  const ps = image.pixelSpacing;
  if (!ps || ps.length < 2) return null;
  const slice = image.frames > 1 ? (image.sliceSpacing ?? ps[2] ?? null) : null;
  return `${[ps[0], ps[1], ...(slice !== null ? [slice] : [])].map(mm).join(' × ')} mm`;
}
