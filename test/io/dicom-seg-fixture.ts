// What scripts/make-dicom-seg-fixtures.sh wrote into test/fixtures/dicom-seg/, as the tests'
// independent expectation: the oblique 5-slice CT series, its files in stack order, and masks.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contentHash } from '../../main/store/images.ts';
import type { Store } from '../../main/store/store.ts';
import { pydicomReadSeg, type PydicomSeg } from '../helpers/dicom-tools.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/dicom-seg/', import.meta.url));
export const ROWS = 11;
export const COLUMNS = 13;
/** the series' files by slice, along the normal of its orientation (file names are not in that order) */
export const STACK = ['b7', 'a2', 'e9', 'c4', 'd1'].map((n) => `${FIXTURES}ct/${n}.dcm`);
export const ORIENTATION = [0.8660254, 0.5, 0.0, -0.4743416, 0.8215838, -0.3162278];
export const PIXEL_SPACING = [0.7, 0.9];
export const SLICE_STEP = 2.5;

/** A mask with a seeded pattern (a disc plus noise), or an all-zero one for `empty`. */
export function patternMask(seed: number, empty = false): Uint8Array {
  const m = new Uint8Array(ROWS * COLUMNS);
  if (empty) return m;
  let s = seed * 2654435761;
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLUMNS; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const inDisc = (x - 4 - (seed % 5)) ** 2 + (y - 5) ** 2 <= 9;
      m[y * COLUMNS + x] = inDisc !== (s >>> 28 === 0) ? 1 : 0;
    }
  }
  return m;
}

/**
 * The fixture series stored as one stack, as the series import would store it, with the source
 * attributes pydicom (not Delineate) reads from its files.
 */
export function addFixtureStack(store: Store, projectId: number): { image: ReturnType<Store['images']['add']>; sources: PydicomSeg['sources'] } {
  const sources = pydicomReadSeg('-', STACK).sources;
  const image = store.images.add({
    projectId,
    sourcePath: `${FIXTURES}ct`,
    contentHash: contentHash(new TextEncoder().encode(sources.map((s) => s.sopInstanceUID).join('\n'))),
    fileName: 'oblique 5 slices',
    width: COLUMNS,
    height: ROWS,
    frames: STACK.length,
    modality: 'CT',
    studyUid: sources[0].studyInstanceUID,
    seriesUid: sources[0].seriesInstanceUID,
    frameOfReferenceUid: sources[0].frameOfReferenceUID,
    slices: STACK.map((path, k) => ({ sourcePath: path, sourceHash: contentHash(readFileSync(path)), sourceFrame: 0, sopInstanceUid: sources[k].sopInstanceUID, sopClassUid: sources[k].sopClassUID, position: sources[k].position })),
  });
  return { image, sources };
}
