// A folder as a volume for `segment`: import's own scan groups its DICOM files into series and
// sorted stacks (io/series), and the largest stack (of the series named by --series, if given) is
// the volume; the others are named in a note so the user knows what was left and how to pick.
// Slices are read one file at a time, as the app reads a stored stack.

import { type ImportItem, scanImport } from '../io/import-scan.ts';
import type { VolumeInput } from './volume-source.ts';
import { VolumeChoiceError } from './volume-source.ts';

const describe = (s: ImportItem): string => `series ${s.series?.seriesUid ?? '?'}${s.series?.description ? ` "${s.series.description}"` : ''}: ${s.frames} slice${s.frames === 1 ? '' : 's'} of ${s.width}×${s.height}`;

export async function openVolumeFolder(dir: string, opts: { series?: string } = {}): Promise<VolumeInput> {
  const stacks: ImportItem[] = [];
  let failed = 0;
  for await (const entry of scanImport([dir], { thumbnailSize: 16 })) {
    if (entry.kind === 'failure') failed++;
    else if (entry.kind === 'dicom' && entry.series && !entry.duplicateOf) stacks.push(entry);
  }
  const pool = opts.series === undefined ? stacks : stacks.filter((s) => s.series?.seriesUid === opts.series);
  if (pool.length === 0) {
    if (opts.series !== undefined) throw new VolumeChoiceError(`--series ${opts.series}: ${dir} holds no such series${stacks.length ? ` (it has: ${stacks.map(describe).join('; ')})` : ''}`);
    throw new Error(`${dir}: no DICOM series found${failed ? ` (${failed} file${failed === 1 ? '' : 's'} could not be read)` : ''}`);
  }
  // the largest stack; ties go to the first in scan order
  const chosen = pool.reduce((best, s) => (s.frames > best.frames ? s : best));
  const notes: string[] = [describe(chosen)];
  const others = stacks.filter((s) => s !== chosen);
  if (others.length) notes.push(`the largest of ${stacks.length} stacks; also here: ${others.map(describe).join('; ')} (pick with --series UID)`);
  if (chosen.note) notes.push(chosen.note);
  if (failed) notes.push(`${failed} file${failed === 1 ? '' : 's'} could not be read`);
  return {
    source: { name: dir, width: chosen.width, height: chosen.height, slices: chosen.frames, read: (k) => chosen.loadFrame(k) },
    geometry: chosen.geometry,
    kind: 'dicom',
    dicomSlices: chosen.slices ? chosen.slices.map((s) => ({ path: s.sourcePath, frame: s.sourceFrame })) : [{ path: chosen.sourcePath }],
    notes,
  };
}
