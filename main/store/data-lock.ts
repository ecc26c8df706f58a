// One process at a time runs the job queue of a data folder: the queue's crash recovery settles
// every job it finds 'running', which would be wrong while another live process runs them. The
// lock is a pid lock file (fs/pid-lock.ts): a lock whose process is gone (a crash) is taken over.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquirePidLock, type PidLock } from '../fs/pid-lock.ts';
import { StoreError } from './errors.ts';
import { openStore, type Store } from './store.ts';

export class DataFolderBusyError extends StoreError {}

export type DataLock = PidLock;

/** Takes `<dataDir>/jobs.lock` for `purpose` ("the app", "delineate import"); released on exit. */
export function acquireDataLock(dataDir: string, purpose: string): DataLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'jobs.lock');
  return acquirePidLock(path, purpose, (owner) =>
    new DataFolderBusyError(`the data folder ${dataDir} is in use by ${owner.purpose ?? 'another process'} (pid ${owner.pid}, since ${owner.since ?? '?'}); close it first, or use another --data folder. If no such program is running (e.g. after a reboot reused its pid), delete ${path}`),
  );
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
