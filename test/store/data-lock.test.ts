// The job-queue lock of a data folder: a live owner blocks a second process, a dead owner's lock
// is taken over, and release removes only our own lock.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireDataLock, DataFolderBusyError } from '../../main/store/data-lock.ts';
import { tempDir } from '../helpers/temp-store.ts';

test('a live process holding the lock blocks; its death frees it', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, 'jobs.lock'), JSON.stringify({ pid: child.pid, purpose: 'the app', since: 'then' }));
    assert.throws(() => acquireDataLock(dir, 'delineate import'), (e: Error) => e instanceof DataFolderBusyError && /in use by the app \(pid \d+/.test(e.message));
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  const lock = acquireDataLock(dir, 'delineate import');
  assert.equal(JSON.parse(readFileSync(lock.path, 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(existsSync(lock.path), false);
});

test('a garbled lock file (owner died while writing it) is stale', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'jobs.lock'), '{"pid":');
  const lock = acquireDataLock(dir, 'x');
  const owner = JSON.parse(readFileSync(lock.path, 'utf8'));
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.purpose, 'x');
  lock.release();
  assert.equal(existsSync(lock.path), false);
});

test('a second take in the same process is refused, naming the holder', (t) => {
  const dir = tempDir(t);
  const lock = acquireDataLock(dir, 'the app');
  try {
    assert.throws(() => acquireDataLock(dir, 'delineate import'), (e: Error) => e instanceof DataFolderBusyError && e.message.includes(`in use by the app (pid ${process.pid}`));
  } finally {
    lock.release();
  }
});
