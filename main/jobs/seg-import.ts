// A DICOM SEG brought in by an import: its frames become corrected masks of the stored images they
// were derived from, matched by the SOP Instance UID (and frame number) of each frame's source
// image. A stack's slices know their instances (image_slices); an image read from its own DICOM
// file is matched through that file's header. Each segment becomes a label of the project (an
// existing label of the same name, compared without case, else a new one with the segment's
// colour). Slices the SEG has no frame for get no mask: an omitted frame says "nothing here" only
// for a SEG's own frames of reference, and an empty corrected mask would count as a correction.

import { decodeDicomSeg, type DecodedSeg } from '../io/dicom-seg.ts';
import { readDicomHeaderFile } from '../io/dicom/header.ts';
import type { Image } from '../store/images.ts';
import type { Label } from '../store/labels.ts';
import type { Store } from '../store/store.ts';

export interface SegImportResult {
  /** corrected masks saved (a mask equal to the slot's current one is not saved again) */
  masks: number;
  /** labels created for segments */
  labels: number;
  /** SEG frames whose source image is in the project */
  matched: number;
  /** SEG frames whose source image is not */
  unmatched: number;
  /** the images that got masks */
  imageIds: number[];
}

/** Thrown when none of a SEG's frames refers to an image of the project. */
export class SegNotMatchedError extends Error {
  constructor(readonly file: string, seg: DecodedSeg) {
    const series = seg.referencedSeries.map((s) => s.seriesInstanceUID).filter(Boolean);
    super(`${file}: this DICOM SEG refers to no image of the project${series.length ? ` (its source series ${series.join(', ')})` : ''}; import the series it was made on first, or together with it`);
    this.name = 'SegNotMatchedError';
  }
}

/** A frame's source: SOP Instance UID and 1-based frame number (1 for single-frame instances). */
const key = (uid: string, frameNumber: number | null) => `${uid}#${frameNumber ?? 1}`;

/** Where each source instance/frame of the project's DICOM images is stored: image and slice. */
function sourceIndex(store: Store, projectId: number, seg: DecodedSeg): Map<string, { image: Image; slice: number }> {
  const index = new Map<string, { image: Image; slice: number }>();
  for (const image of store.images.list(projectId)) {
    // only images that can hold the SEG's frames: its size, and its study where the image knows it
    if (image.width !== seg.columns || image.height !== seg.rows) continue;
    if (image.studyUid && image.studyUid !== seg.studyInstanceUID) continue;
    if (image.stacked) {
      for (const s of store.images.slices(image.id)) if (s.sopInstanceUid) index.set(key(s.sopInstanceUid, s.sourceFrame + 1), { image, slice: s.index });
      continue;
    }
    let header;
    try {
      header = readDicomHeaderFile(image.sourcePath);
    } catch {
      continue; // not DICOM, or gone: it cannot be a SEG's source
    }
    if (header.studyInstanceUID !== seg.studyInstanceUID) continue;
    for (let f = 0; f < image.frames; f++) index.set(key(header.sopInstanceUID, f + 1), { image, slice: f });
  }
  return index;
}

/** The project's label named `name` (without case), else a new one with `color`. */
type LabelFor = (name: string, color: string) => { label: Label; created: boolean };

/**
 * Reads the SEG file and saves its frames as corrected masks (source 'import') of the project's
 * images, all in one transaction. Frames of one segment on one slice are merged (union).
 * Throws a DicomSegError for a file that is not a readable SEG and SegNotMatchedError when no
 * frame matches.
 */
export function importDicomSeg(store: Store, projectId: number, file: string, bytes: Uint8Array, labelFor: LabelFor): SegImportResult {
  const seg = decodeDicomSeg(bytes, file);
  const index = sourceIndex(store, projectId, seg);
  const slots = new Map<string, { image: Image; slice: number; segment: number; pixels: Uint8Array }>();
  let unmatched = 0;
  for (const frame of seg.frames) {
    const target = frame.referencedSOPInstanceUID ? index.get(key(frame.referencedSOPInstanceUID, frame.referencedFrameNumber)) : undefined;
    if (!target) {
      unmatched++;
      continue;
    }
    const id = `${target.image.id}:${target.slice}:${frame.segmentNumber}`;
    const slot = slots.get(id);
    if (!slot) slots.set(id, { ...target, segment: frame.segmentNumber, pixels: frame.mask.slice() });
    else for (let i = 0; i < slot.pixels.length; i++) slot.pixels[i] |= frame.mask[i];
  }
  if (slots.size === 0) throw new SegNotMatchedError(file, seg);
  const result: SegImportResult = { masks: 0, labels: 0, matched: seg.frames.length - unmatched, unmatched, imageIds: [] };
  store.transaction(() => {
    const labels = new Map<number, Label>();
    for (const s of seg.segments) {
      const { label, created } = labelFor(s.label || `segment ${s.number}`, s.color ?? '#ffd400');
      labels.set(s.number, label);
      if (created) result.labels++;
    }
    const images = new Set<number>();
    for (const { image, slice, segment, pixels } of slots.values()) {
      const label = labels.get(segment)!;
      const slot = { imageId: image.id, labelId: label.id, frame: slice, kind: 'corrected' as const };
      const current = store.masks.current(slot);
      images.add(image.id);
      if (current && current.pixels.every((v, i) => (v !== 0) === (pixels[i] !== 0))) continue;
      store.masks.save({ ...slot, width: image.width, height: image.height, pixels, source: 'import', prompt: label.name });
      result.masks++;
    }
    result.imageIds = [...images].sort((a, b) => a - b);
  });
  return result;
}
