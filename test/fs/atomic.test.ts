// Atomic writes and the sweep of temporaries a killed process left behind.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { sweepStaleTemporaries, temporaryPath, writeFileAtomic } from '../../main/fs/atomic.ts';
import { tempDir } from '../helpers/temp-store.ts';

test('writeFileAtomic replaces the file whole and leaves no temporary', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'a.txt');
  writeFileSync(path, 'old');
  writeFileAtomic(path, 'new');
  assert.equal(readFileSync(path, 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir), ['a.txt']);
  assert.throws(() => writeFileAtomic(join(dir, 'nope', 'b.txt'), 'x'), /cannot write .*b\.txt: the folder .*nope does not exist/);
});

test('temporaries of dead processes are swept, those of live ones kept', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'export');
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r)); // a pid that no longer runs
  const dead = join(dir, `.${basename(target)}.${child.pid}.0badc0de.partial`);
  mkdirSync(join(dead, 'masks'), { recursive: true });
  const live = temporaryPath(target); // this process: alive
  mkdirSync(live);
  const unrelated = join(dir, '.other.1.00000000.partial');
  mkdirSync(unrelated);
  const otherTarget = join(dir, `.${basename(target)}.b.${child.pid}.0badc0de.partial`); // target "export.b"
  mkdirSync(otherTarget);
  assert.deepEqual(sweepStaleTemporaries(target), [dead]);
  assert.equal(existsSync(dead), false);
  assert.equal(existsSync(live), true);
  assert.equal(existsSync(unrelated), true);
  assert.equal(existsSync(otherTarget), true, 'another target whose name extends this one');
});
