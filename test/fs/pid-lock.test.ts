// The pid lock file shared by the data folder's job lock and a model download's staging lock:
// a live owner blocks (another process, or this one), a dead or garbled owner is taken over, and
// release removes only a lock that still names us.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquirePidLock, readPidLock, type PidLockOwner } from '../../main/fs/pid-lock.ts';
import { tempDir } from '../helpers/temp-store.ts';

class Busy extends Error {
  constructor(readonly owner: PidLockOwner) {
    super(`held by ${owner.pid}`);
  }
}
const busy = (owner: PidLockOwner) => new Busy(owner);

test('a live process holding the lock blocks; once it has exited the lock is taken over', async (t) => {
  const path = join(tempDir(t), 'x.lock');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(path, JSON.stringify({ pid: child.pid, purpose: 'the app', since: 'then' }));
    assert.throws(() => acquirePidLock(path, 'test', busy), (e: unknown) => e instanceof Busy && e.owner.pid === child.pid && e.owner.purpose === 'the app');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  const lock = acquirePidLock(path, 'test', busy);
  const owner = readPidLock(path);
  assert.equal(owner?.pid, process.pid);
  assert.equal(owner?.purpose, 'test');
  lock.release();
  assert.equal(existsSync(path), false);
});

test('this process taking its own lock again is refused', (t) => {
  const path = join(tempDir(t), 'x.lock');
  const lock = acquirePidLock(path, 'first', busy);
  assert.throws(() => acquirePidLock(path, 'second', busy), (e: unknown) => e instanceof Busy && e.owner.pid === process.pid && e.owner.purpose === 'first');
  lock.release();
  lock.release(); // twice is harmless
  assert.equal(existsSync(path), false);
});

test('a garbled or empty lock names no owner and is stale', (t) => {
  const dir = tempDir(t);
  for (const [name, text] of [['half.lock', '{"pid":'], ['empty.lock', ''], ['nopid.lock', '{"purpose":"x"}']] as const) {
    const path = join(dir, name);
    writeFileSync(path, text);
    assert.equal(readPidLock(path), null, name);
    const lock = acquirePidLock(path, 'taker', busy);
    assert.deepEqual(readPidLock(path) && { pid: readPidLock(path)!.pid, purpose: readPidLock(path)!.purpose }, { pid: process.pid, purpose: 'taker' }, name);
    lock.release();
  }
});

test('a lock holding only a pid (the older download lock) is read as that owner', (t) => {
  const path = join(tempDir(t), 'old.lock');
  writeFileSync(path, String(process.pid));
  assert.deepEqual(readPidLock(path), { pid: process.pid });
  assert.throws(() => acquirePidLock(path, 'test', busy), Busy);
});

test('release leaves a lock that another owner has taken since', (t) => {
  const path = join(tempDir(t), 'x.lock');
  const lock = acquirePidLock(path, 'test', busy);
  const other = JSON.stringify({ pid: process.pid + 1, purpose: 'someone else' });
  writeFileSync(path, other); // e.g. ours was judged stale by hand and deleted, then retaken
  lock.release();
  assert.equal(readFileSync(path, 'utf8'), other);
});
