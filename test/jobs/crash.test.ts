// A job whose process is SIGKILLed mid-way: the next start finds it 'running', and recover()
// either resumes it from its checkpoint (no finished item redone) or marks it interrupted; the
// items saved before the kill are intact either way.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JobQueue } from '../../main/jobs/queue.ts';
import { openStore } from '../../main/store/store.ts';
import { tempDir } from '../helpers/temp-store.ts';
import { itemRunner } from './item-runner.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Runs the child until it has saved item `after` (it then stops dead), then kills it with SIGKILL. */
function runAndKill(file: string, mode: 'resumable' | 'plain', after: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, file, mode, String(after)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes(`saved ${after}\n`)) p.kill('SIGKILL');
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && out.includes(`saved ${after}\n`)) resolve();
      else reject(new Error(`child ended with ${code ?? signal} before it was killed\n${out}\n${err}`));
    });
  });
}

test('a resumable job killed mid-way resumes from its checkpoint and redoes nothing', async (t) => {
  const file = join(tempDir(t), 'crash.sqlite');
  await runAndKill(file, 'resumable', 5);

  const store = openStore({ file });
  t.after(() => store.close());
  const [job] = store.jobs.list();
  assert.equal(job.state, 'running', 'the crash left it running');
  const saved = store.labels.list(job.projectId!).map((l) => l.name);
  const next = (job.checkpoint as { next: number }).next;
  assert.equal(saved.length, 6, 'killed right after item 5');
  assert.equal(next, saved.length, 'each checkpoint was committed with its item');
  assert.deepEqual(saved, Array.from({ length: next }, (_, i) => `item-${i}`));

  const done: number[] = [];
  const queue = new JobQueue(store, { import: itemRunner({ resumable: true, onItem: (i) => done.push(i) }) });
  const { requeued, interrupted } = queue.recover();
  assert.deepEqual([requeued.map((j) => j.id), interrupted.length], [[job.id], 0]);
  queue.start();
  await queue.idle();

  assert.deepEqual(done, Array.from({ length: 40 - next }, (_, i) => next + i), 'starts at the checkpoint');
  assert.deepEqual(store.labels.list(job.projectId!).map((l) => l.name), Array.from({ length: 40 }, (_, i) => `item-${i}`));
  const finished = store.jobs.get(job.id)!;
  assert.deepEqual([finished.state, finished.attempts, finished.result, finished.error], ['done', 2, { items: 40 - next }, null]);
  assert.deepEqual(finished.progress, { done: 40, total: 40, message: 'item 39' });
  const log = store.jobs.log(job.id).map((l) => l.line);
  assert.match(log[0], /^the app stopped while this job was running \(started at .*\); it will resume from its checkpoint$/);
  assert.equal(log[1], `resuming at item ${next}`);
});

test('a job that cannot resume is marked interrupted, with the items it saved kept', async (t) => {
  const file = join(tempDir(t), 'crash.sqlite');
  await runAndKill(file, 'plain', 3);

  const store = openStore({ file });
  t.after(() => store.close());
  const [before] = store.jobs.list();
  const saved = store.labels.list(before.projectId!).map((l) => l.name);
  assert.deepEqual(saved, ['item-0', 'item-1', 'item-2', 'item-3'], 'killed right after item 3');
  assert.equal(saved.length, (before.checkpoint as { next: number }).next);

  const ran: number[] = [];
  const queue = new JobQueue(store, { import: itemRunner({ resumable: false, onItem: (i) => ran.push(i) }) });
  queue.start(); // recovers first
  await queue.idle();
  const job = store.jobs.get(before.id)!;
  assert.equal(job.state, 'interrupted');
  assert.equal(job.error, `the app stopped while this job was running (started at ${before.startedAt})`);
  assert.ok(job.finishedAt !== null && job.finishedAt >= before.startedAt!);
  assert.deepEqual(ran, [], 'not run again');
  assert.deepEqual(store.labels.list(before.projectId!).map((l) => l.name), saved);
  assert.deepEqual(store.jobs.log(job.id).map((l) => l.line), [job.error]);
});
