// One folder's sub-folders and importable files, for choosing what to import (or where to export)
// where no native file dialog exists: the browser cannot show one for the web host. Files are
// recognised by their first bytes, as import does, since hospital exports often lack extensions.

import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { DirListing } from '../contract/contract.ts';
import { detectFileKind } from './file-kind.ts';

/** Bytes read per file: enough for the DICOM preamble, a NIfTI header and a gzip'd one's start. */
const HEAD_BYTES = 4096;

function head(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

type Entry = DirListing['entries'][number];

/**
 * Lists `path` (absolute; empty or absent: the home folder). Hidden entries, unreadable ones and
 * files import would not recognise are left out; only the first `limit` names (sorted) are looked at.
 */
/** A folder that cannot be listed: not absolute, unreadable, or not a folder; the message says which. */
export class FolderListingError extends Error {
  override name = 'FolderListingError';
}

export function listFolder(path: string | undefined, limit = 2000): DirListing {
  const dir = path ? path : homedir();
  if (!isAbsolute(dir)) throw new FolderListingError(`folder: '${dir}' must be an absolute path`);
  const abs = resolve(dir);
  let isFolder = false;
  try {
    isFolder = statSync(abs).isDirectory();
  } catch (e) {
    throw new FolderListingError(`folder: cannot open '${abs}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isFolder) throw new FolderListingError(`folder: '${abs}' is not a folder`);
  const folders: Entry[] = [];
  const files: Entry[] = [];
  const names = readdirSync(abs).filter((n) => !n.startsWith('.')).sort((a, b) => a.localeCompare(b));
  // each file's head is read, so a huge folder is looked at only up to `limit` names
  const truncated = names.length > limit;
  for (const name of names.slice(0, limit)) {
    const full = join(abs, name);
    try {
      const st = statSync(full); // follows links: a link to a folder is a folder
      if (st.isDirectory()) folders.push({ name, path: full, kind: 'folder' });
      else if (st.isFile()) {
        const kind = detectFileKind(head(full));
        if (kind) files.push({ name, path: full, kind });
      }
    } catch {
      // unreadable or a dangling link: not something the user can import
    }
  }
  const parent = dirname(abs);
  return { path: abs, parent: parent === abs ? null : parent, entries: [...folders, ...files], truncated };
}
