// Next/previous in the workspace while the list under it changes: saving an image can move it out
// of a filter ("Not started" → "Corrected"), shifting every later image up by one. Going by index
// alone would then skip the image after it.

/**
 * The index to open after the image `currentId` (opened at `index`) when moving by `delta`.
 * `idAt` reads the list as loaded now. Where the current image is found near its old index, the
 * move is from there; where it left the list, the image now at its old index is the next one.
 * Returns null past either end.
 */
export function neighbourIndex(currentId: number, index: number, delta: -1 | 1, idAt: (i: number) => number | undefined, total: number): number | null {
  let here: number | null = null;
  // a few places either way: earlier images of the list may have left it too
  for (let d = 0; d <= 3 && here == null; d++) {
    if (idAt(index - d) === currentId) here = index - d;
    else if (idAt(index + d) === currentId) here = index + d;
  }
  const target = here != null ? here + delta : delta > 0 ? index : index - 1;
  return target >= 0 && target < total ? target : null;
}
