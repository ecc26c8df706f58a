// Which slices of a volume have a current model mask and which a corrected one, for the marks
// under the slice slider. Pure: the component feeds it the image's current mask records.

import type { MaskRecord } from '../../../../main/contract/contract.ts';

export interface SliceMarks {
  /** slices with a current model mask for the label, ascending */
  model: number[];
  /** slices with a current corrected mask for the label, ascending */
  corrected: number[];
}

/** The marks of one label (null: masks saved without a label) over `frames` slices; records of other labels or outside the range are ignored. */
export function sliceMarks(records: readonly Pick<MaskRecord, 'frame' | 'kind' | 'labelId'>[], labelId: number | null, frames: number): SliceMarks {
  const model = new Set<number>();
  const corrected = new Set<number>();
  for (const r of records) {
    if (r.labelId !== labelId || !(Number.isInteger(r.frame) && r.frame >= 0 && r.frame < frames)) continue;
    (r.kind === 'corrected' ? corrected : model).add(r.frame);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { model: sorted(model), corrected: sorted(corrected) };
}

/** Where a slice's mark sits along the slider, in percent of its width (the slider's thumb positions). */
export const markPosition = (frame: number, frames: number): number => (frames > 1 ? (100 * frame) / (frames - 1) : 50);

/** "3 model · 1 corrected of 40 slices": the marks' summary for screen readers and the tooltip. */
export function marksSummary(m: SliceMarks, frames: number): string {
  return `${m.model.length} model · ${m.corrected.length} corrected of ${frames} slices`;
}
