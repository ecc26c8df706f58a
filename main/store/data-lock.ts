// One process at a time runs the job queue of a data folder: the queue's crash recovery settles
// every job it finds 'running', which would be wrong while another live process runs them. The
// lock is a file holding the owner's pid; a lock whose process is gone (a crash) is taken over.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../fs/process-alive.ts';
import { StoreError } from './errors.ts';
import { openStore, type Store } from './store.ts';

export class DataFolderBusyError extends StoreError {}

export interface DataLock {
  readonly path: string;
  release(): void;
}

/** Takes `<dataDir>/jobs.lock` for `purpose` ("the app", "delineate import"); released on exit. */
export function acquireDataLock(dataDir: string, purpose: string): DataLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'jobs.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner: { pid?: number; purpose?: string; since?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        /* half-written by a process that died: stale */
      }
      if (owner.pid && (owner.pid === process.pid || processAlive(owner.pid))) {
        throw new DataFolderBusyError(`the data folder ${dataDir} is in use by ${owner.purpose ?? 'another process'} (pid ${owner.pid}, since ${owner.since ?? '?'}); close it first, or use another --data folder. If no such program is running (e.g. after a reboot reused its pid), delete ${path}`);
      }
      rmSync(path, { force: true }); // stale: its owner is gone
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
    closeSync(fd);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        const owner = JSON.parse(readFileSync(path, 'utf8'));
        if (owner.pid === process.pid) rmSync(path, { force: true });
      } catch {
        /* already gone */
      }
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new DataFolderBusyError(`could not take the lock ${path}`);
}

/**
 * Opens the data folder's store holding its job lock first, so nothing (not even a migration or a
 * new project) is written while the app or another command owns the folder.
 */
export function openLockedStore(dataDir: string, purpose: string): { store: Store; lock: DataLock; close(): void } {
  const lock = acquireDataLock(dataDir, purpose);
  let store: Store;
  try {
    store = openStore(dataDir);
  } catch (e) {
    lock.release();
    throw e;
  }
  return { store, lock, close: () => { store.close(); lock.release(); } };
}
