// File names and paths for adapter packs, as typed or picked in the renderer (which has no path
// module): a pack's default name from its adapter's name, and a folder joined with a file name
// using the folder's own separator.

export const PACK_EXTENSION = '.dlad';

/** 'sa-vlc · 12 corrections' → 'sa-vlc-12-corrections.dlad'; letters of any script are kept. */
export function packFileName(adapterName: string): string {
  const stem = adapterName.normalize('NFC').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80) || 'adapter';
  return `${stem}${PACK_EXTENSION}`;
}

/** A Windows folder (backslashes, no slashes) gets a backslash, anything else a slash; no doubled separator. */
export function joinPath(dir: string, file: string): string {
  const windows = dir.includes('\\') && !dir.includes('/');
  return `${dir.replace(/[\\/]+$/, '')}${windows ? '\\' : '/'}${file}`;
}

