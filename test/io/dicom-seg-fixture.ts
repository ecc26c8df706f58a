// What scripts/make-dicom-seg-fixtures.sh wrote into test/fixtures/dicom-seg/, as the tests'
// independent expectation: the oblique 5-slice CT series, its files in stack order, and masks.

import { fileURLToPath } from 'node:url';

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
