// The folder the export dialog suggests after an export: the same name with the next free number
// ("masks" → "masks-2" → "masks-3"), since an export needs a new or empty folder and the last
// one is now full.

/** Splits "/a/b/masks-2" into its parent "/a/b", its separator "/" and its last part "masks-2". */
export function splitFolder(path: string): { parent: string; sep: string; name: string } {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (i < 0) return { parent: '', sep: '', name: trimmed };
  return { parent: trimmed.slice(0, i) || trimmed.slice(0, i + 1), sep: trimmed[i], name: trimmed.slice(i + 1) };
}

/** `path` with the lowest "-N" (N ≥ 2) whose name is not in `taken` (names in its parent folder). */
export function nextFreeFolder(path: string, taken: Iterable<string>): string {
  const { parent, sep, name } = splitFolder(path);
  const used = new Set(taken);
  // "-2" … "-999" are our counters; "-2024" is part of the name (a year), not one of them
  const m = /^(.*?)-([2-9]|[1-9]\d{1,2})$/.exec(name);
  const stem = m && m[1] !== '' ? m[1] : name;
  let n = m && m[1] !== '' ? Number(m[2]) + 1 : 2;
  while (used.has(`${stem}-${n}`)) n++;
  const joined = parent.endsWith(sep) ? parent : `${parent}${sep}`;
  return `${sep ? joined : ''}${stem}-${n}`;
}
