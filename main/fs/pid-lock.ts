// A lock file holding its owner's pid, for "one process at a time" on a folder (the job queue of
// a data folder, a model's staging folder). Created with O_EXCL, so two processes racing for it
// cannot both win; a lock whose process is gone (a crash) is stale and taken over. Locks are per
// process: a second take in the same process is refused too, as it would be from another one.

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { processAlive } from './process-alive.ts';

export interface PidLockOwner {
  pid: number;
  /** what holds it ("the app", "delineate import") */
  purpose?: string;
  /** ISO time it was taken */
  since?: string;
}

export interface PidLock {
  readonly path: string;
  /** removes the lock if it is still ours; safe to call twice */
  release(): void;
}

/** The owner the lock file names; null when it names none (half-written by a process that died). */
export function readPidLock(path: string): PidLockOwner | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  if (typeof parsed === 'number') return { pid: parsed }; // older locks held only the pid
  if (parsed && typeof parsed === 'object' && Number.isInteger((parsed as PidLockOwner).pid)) return parsed as PidLockOwner;
  return null;
}

/**
 * Takes the lock file at `path` for this process, released at exit if not before. A live owner
 * (this process included) makes it throw what `busy` returns: the caller's own error, naming
 * what to do.
 */
export function acquirePidLock(path: string, purpose: string, busy: (owner: PidLockOwner) => Error): PidLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readPidLock(path);
      if (owner && (owner.pid === process.pid || processAlive(owner.pid))) throw busy(owner);
      rmSync(path, { force: true }); // stale: its owner is gone
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() } satisfies PidLockOwner));
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      if (readPidLock(path)?.pid === process.pid) rmSync(path, { force: true });
    };
    process.on('exit', release);
    return { path, release };
  }
  // three stale locks removed and re-created by someone else in between: a live race
  throw new Error(`could not take the lock ${path}: other processes keep re-creating it`);
}
