// The size of the mask being edited, in the words the display panel writes it: the slice's area
// (px, and mm² when the pixel spacing is known) and, for a volume, the mask's volume over all
// slices (mL when the pixel and slice spacing are known, else voxels). Pure: the workspace feeds it
// the image, the image's current mask records (`currentMasks`, an `area` per slice) and the live
// area of the slice on screen, which wins over that slice's stored record.

import type { ImageSummary, MaskRecord } from '../../../../main/contract/contract.ts';

export interface MaskSizeText {
  /** "Mask area 1,234 px (567.8 mm²)"; '' when no mask is being edited */
  slice: string;
  /** "Mask volume 12.34 mL (40 slices)": over all slices; null for 2-D images */
  volume: string | null;
}

type Geometry = Pick<ImageSummary, 'frames' | 'pixelSpacing' | 'sliceSpacing'>;

/** mm² of one pixel (row × column spacing), or null when the file gives no spacing. */
export function pixelArea(image: Pick<ImageSummary, 'pixelSpacing'>): number | null {
  const ps = image.pixelSpacing;
  return ps && ps.length >= 2 && ps[0] > 0 && ps[1] > 0 ? ps[0] * ps[1] : null;
}

/** mm between slices (sliceSpacing, else the third pixelSpacing value), or null. */
export function sliceThickness(image: Pick<ImageSummary, 'pixelSpacing' | 'sliceSpacing'>): number | null {
  const s = image.sliceSpacing ?? image.pixelSpacing?.[2] ?? null;
  return s !== null && s > 0 ? Math.abs(s) : null;
}

/**
 * Foreground pixels per slice of one label: per slice the current corrected mask's area, else the
 * model's (what an export of that slice holds), and `live` (the slice being edited) replacing the
 * stored value of `frame`. Records of other labels or outside the image are ignored.
 */
export function sliceAreas(records: readonly Pick<MaskRecord, 'frame' | 'kind' | 'labelId' | 'area'>[], labelId: number | null, frames: number, live: { frame: number; area: number } | null): number[] {
  const areas = new Array<number>(frames).fill(0);
  const corrected = new Set<number>();
  for (const r of records) {
    if (r.labelId !== labelId || !(Number.isInteger(r.frame) && r.frame >= 0 && r.frame < frames)) continue;
    if (r.kind === 'corrected') {
      areas[r.frame] = r.area;
      corrected.add(r.frame);
    } else if (!corrected.has(r.frame)) {
      areas[r.frame] = r.area;
    }
  }
  if (live && live.frame >= 0 && live.frame < frames) areas[live.frame] = live.area;
  return areas;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The display panel's mask size lines. `live` is null when no mask is being edited on screen. */
export function maskSizeText(image: Geometry, records: readonly Pick<MaskRecord, 'frame' | 'kind' | 'labelId' | 'area'>[], labelId: number | null, live: { frame: number; area: number } | null): MaskSizeText {
  const px = pixelArea(image);
  const slice = live ? `Mask area ${count(live.area)} px${px ? ` (${(live.area * px).toFixed(1)} mm²)` : ''}` : '';
  if (image.frames <= 1) return { slice, volume: null };
  const voxels = sliceAreas(records, labelId, image.frames, live).reduce((a, b) => a + b, 0);
  const dz = sliceThickness(image);
  const all = `${image.frames} slices`;
  const volume = px && dz ? `Mask volume ${((voxels * px * dz) / 1000).toFixed(2)} mL (${all})` : `Mask volume ${count(voxels)} voxels (${all})`;
  return { slice, volume };
}
