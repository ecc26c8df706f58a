import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { processAlive } from './process-alive.ts';

/** A sibling temporary name, so the final rename stays on one file system. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
}

/**
 * Writes a file so that a crash at any moment leaves either the old file or the new one:
 * write a temporary sibling, fsync it, rename it into place, fsync the folder. The file gets `mode`
 * (less the umask) from the moment it exists.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = temporaryPath(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fd = openSync(tmp, 'w', mode); // `mode` (0o600 for secrets) holds from creation, not after a chmod
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    // Name the user's file and folder, not the temporary sibling the error was raised on.
    if (e.code === 'ENOENT') throw Object.assign(new Error(`cannot write ${path}: the folder ${dirname(path)} does not exist`), { code: e.code });
    if (e.code === 'ENOSPC') throw Object.assign(new Error(`cannot write ${path}: the disk is full (nothing was replaced)`), { code: e.code });
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') throw Object.assign(new Error(`cannot write ${path}: permission denied (${e.code})`), { code: e.code });
    throw err;
  }
  syncFolder(dirname(path));
}

/** Makes a rename durable; some platforms (Windows) cannot open folders, which is harmless. */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported on this platform */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Removes temporaries of `path` (see temporaryPath) left by processes that were killed before
 * they could rename or delete them; those of live processes are left alone. Returns what it removed.
 */
export function sweepStaleTemporaries(path: string): string[] {
  const dir = dirname(path);
  // exactly temporaryPath's shape for this name, so another target's temporaries never match
  const own = new RegExp(`^\\.${basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{8}\\.partial$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = own.exec(name)?.[1];
    if (pid === undefined || processAlive(Number(pid))) continue; // not ours, or still being written
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(join(dir, name));
  }
  return removed;
}
