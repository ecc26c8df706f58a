// Geometry of the library's thumbnail grid: columns for a width, which pages of listImages a
// visible range of rows needs, and where arrow keys move the focus.

/** Columns of cards that fit a width: at least one, each card at least `minCard` wide. */
export function gridColumns(width: number, minCard: number, gap: number): number {
  if (!(width > 0)) return 1;
  return Math.max(1, Math.floor((width + gap) / (minCard + gap)));
}

/** Page indexes (of `pageSize` items) covering items [first, last], clamped to `total`. */
export function pagesForRange(first: number, last: number, pageSize: number, total: number): number[] {
  if (total <= 0 || last < first) return [];
  const lo = Math.max(0, Math.floor(Math.max(0, first) / pageSize));
  const hi = Math.floor(Math.min(total - 1, last) / pageSize);
  const pages: number[] = [];
  for (let p = lo; p <= hi; p++) pages.push(p);
  return pages;
}

/**
 * The index the focus moves to from `index` on a key, in a grid of `columns` columns holding
 * `total` items (the last row may be short). Left/right wrap between rows; up/down keep the
 * column (down on the row above a short last row lands on its last item); Page keys move
 * `pageRows` rows. Returns `index` unchanged at the edges, and null for keys it does not handle.
 */
export function moveGridFocus(index: number, key: string, columns: number, total: number, pageRows = 5): number | null {
  if (total <= 0) return null;
  const last = total - 1;
  const clamp = (i: number) => Math.max(0, Math.min(last, i));
  const i = clamp(index);
  switch (key) {
    case 'ArrowLeft':
      return clamp(i - 1);
    case 'ArrowRight':
      return clamp(i + 1);
    case 'ArrowUp':
      return i - columns >= 0 ? i - columns : i;
    case 'ArrowDown':
      if (i + columns <= last) return i + columns;
      // on a row above the short last row: go to the last item rather than nowhere
      return Math.floor(i / columns) < Math.floor(last / columns) ? last : i;
    case 'PageUp':
      return i - columns * pageRows >= 0 ? i - columns * pageRows : i % columns;
    case 'PageDown':
      return i + columns * pageRows <= last ? i + columns * pageRows : last;
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
