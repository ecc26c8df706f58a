// The job queue with fake runners: event order, one job at a time, cancel, failure, throttled
// progress writes, close and in-process recovery.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobQueue, type JobEvent } from '../../main/jobs/queue.ts';
import { JobAbortedError, resumable, type JobRunner } from '../../main/jobs/runner.ts';
import { tempStore } from '../helpers/temp-store.ts';
import { itemRunner, sleep } from './item-runner.ts';

/** Events reduced to comparable strings. */
function record(queue: JobQueue): string[] {
  const seen: string[] = [];
  queue.subscribe((e: JobEvent) => {
    if (e.type === 'state') seen.push(`${e.job.id} ${e.job.state}`);
    else if (e.type === 'progress') seen.push(`${e.jobId} progress ${e.progress.done}/${e.progress.total}${e.progress.message ? ` ${e.progress.message}` : ''}`);
    else seen.push(`${e.jobId} log ${e.line.line}`);
  });
  return seen;
}

test('events come in order: queued, running, progress and log as reported, done with the result', async (t) => {
  const { store } = tempStore(t);
  const runner: JobRunner = async (job, ctx) => {
    ctx.progress({ done: 0, total: 2 });
    ctx.log(`exporting ${job.config.format}`);
    await sleep(5, ctx.signal);
    ctx.progress({ done: 1, total: 2, message: 'image 1' });
    ctx.progress({ done: 2, total: 2, message: 'image 2', dice: 0.9 });
    return { files: 2 };
  };
  const queue = new JobQueue(store, { export: runner });
  const seen = record(queue);
  queue.start();
  const job = queue.enqueue('export', { format: 'png' });
  await queue.idle();
  assert.deepEqual(seen, [
    `${job.id} queued`,
    `${job.id} running`,
    `${job.id} progress 0/2`,
    `${job.id} log exporting png`,
    `${job.id} progress 1/2 image 1`,
    `${job.id} progress 2/2 image 2`,
    `${job.id} done`,
  ]);
  const row = store.jobs.get(job.id)!;
  assert.deepEqual([row.state, row.result, row.progress, row.attempts, row.error], ['done', { files: 2 }, { done: 2, total: 2, message: 'image 2', dice: 0.9 }, 1, null]);
  assert.ok(row.startedAt! >= row.createdAt && row.finishedAt! >= row.startedAt!);
});

test('one job runs at a time; the others wait queued, in order', async (t) => {
  const { store } = tempStore(t);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let firstStarted!: () => void;
  const started = new Promise<void>((r) => (firstStarted = r));
  const runner: JobRunner = async (job) => {
    running++;
    most = Math.max(most, running);
    order.push(job.id);
    firstStarted();
    await gate;
    await Promise.resolve(); // the next job must not start while this one is still finishing
    running--;
    return null;
  };
  const queue = new JobQueue(store, { 'segment-batch': runner, import: runner });
  const ids = [queue.enqueue('segment-batch').id, queue.enqueue('import').id, queue.enqueue('segment-batch').id];
  assert.equal(store.jobs.list({ state: 'queued' }).length, 3, 'nothing runs before start()');
  queue.start();
  await started;
  assert.equal(queue.runningId, ids[0]);
  assert.deepEqual(store.jobs.list({ state: 'running' }).map((j) => j.id), [ids[0]]);
  assert.deepEqual(store.jobs.list({ state: 'queued' }).map((j) => j.id), [ids[2], ids[1]]);
  release();
  await queue.idle();
  assert.equal(most, 1);
  assert.deepEqual(order, ids);
  assert.deepEqual(ids.map((id) => store.jobs.get(id)!.state), ['done', 'done', 'done']);
});

test('cancel stops a running job through its signal and drops a queued one; the queue goes on', async (t) => {
  const { store } = tempStore(t);
  const project = store.projects.create('P');
  let reason: unknown;
  const items = itemRunner({ resumable: false });
  const runner: JobRunner = async (job, ctx) => {
    ctx.signal.addEventListener('abort', () => (reason = ctx.signal.reason));
    return items(job, ctx);
  };
  const queue = new JobQueue(store, { import: runner, export: async () => 'exported' });
  const seen = record(queue);
  queue.subscribe((e) => {
    if (e.type === 'progress' && e.progress.done === 2) queue.cancel(e.jobId);
  });
  queue.start();
  const first = queue.enqueue('import', { projectId: project.id, items: 50, delayMs: 2 });
  const dropped = queue.enqueue('import', { projectId: project.id, items: 50, delayMs: 2 });
  const after = queue.enqueue('export');
  assert.equal(queue.cancel(dropped.id), true);
  await queue.idle();

  assert.ok(reason instanceof JobAbortedError && reason.why === 'cancelled' && reason.jobId === first.id);
  assert.deepEqual(
    [first, dropped, after].map((j) => store.jobs.get(j.id)!.state),
    ['cancelled', 'cancelled', 'done'],
  );
  assert.equal(store.jobs.get(dropped.id)!.attempts, 0, 'never started');
  assert.deepEqual(store.labels.list(project.id).map((l) => l.name), ['item-0', 'item-1'], 'stopped right after the cancel');
  assert.deepEqual(store.jobs.log(first.id).map((l) => l.line), ['cancel requested', 'cancelled']);
  assert.ok(seen.indexOf(`${dropped.id} cancelled`) < seen.indexOf(`${first.id} cancelled`));
  assert.equal(queue.cancel(first.id), false, 'already ended');
  assert.equal(store.jobs.get(after.id)!.result, 'exported');
});

test('a runner that throws fails its job with the error text, and the stack goes to the log', async (t) => {
  const { store } = tempStore(t);
  const queue = new JobQueue(store, {
    adapt: async (_job, ctx) => {
      ctx.progress({ done: 3, total: 10 });
      throw new Error('out of memory while building the train graph');
    },
  });
  queue.start();
  const failed = queue.enqueue('adapt', { epochs: 4 });
  const orphan = queue.enqueue('export');
  await queue.idle();
  const row = store.jobs.get(failed.id)!;
  assert.deepEqual([row.state, row.error, row.progress, row.result], ['failed', 'out of memory while building the train graph', { done: 3, total: 10 }, null]);
  assert.match(store.jobs.log(failed.id)[0].line, /^Error: out of memory while building the train graph\n\s+at /);
  assert.deepEqual([store.jobs.get(orphan.id)!.state, store.jobs.get(orphan.id)!.error], ['failed', "this app has no runner for 'export' jobs"]);
});

test('progress is an event every time but written to the store at most once per interval', async (t) => {
  // the clock is the test's: the interval passes when the test moves it, not when the machine gets to it
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const { store } = tempStore(t);
  let writes = 0;
  let trailingWritten!: () => void;
  const trailing = new Promise<void>((r) => (trailingWritten = r));
  const setProgress = store.jobs.setProgress.bind(store.jobs);
  store.jobs.setProgress = (id, p) => {
    writes++;
    setProgress(id, p);
    if (writes === 2) trailingWritten();
  };
  let burstDone!: () => void;
  const burst = new Promise<void>((r) => (burstDone = r));
  let events = 0;
  let stored: unknown;
  const queue = new JobQueue(
    store,
    {
      'segment-batch': async (job, ctx) => {
        for (let i = 1; i <= 1000; i++) ctx.progress({ done: i, total: 1000 });
        stored = ctx.store.jobs.get(job.id)!.progress; // right after the burst: only the first write
        burstDone();
        await trailing;
        return null;
      },
    },
    { progressIntervalMs: 200 },
  );
  queue.subscribe((e) => e.type === 'progress' && events++);
  queue.start();
  const job = queue.enqueue('segment-batch');
  await burst;
  assert.equal(writes, 1, 'the first report is written at once');
  t.mock.timers.tick(199);
  assert.equal(writes, 1, 'nothing more before the interval has passed');
  t.mock.timers.tick(1);
  assert.equal(writes, 2, 'the last report is written once it has');
  await queue.idle();
  assert.equal(events, 1000);
  assert.deepEqual(stored, { done: 1, total: 1000 });
  assert.equal(writes, 2, 'the first report, then the last one after the interval');
  assert.deepEqual(store.jobs.get(job.id)!.progress, { done: 1000, total: 1000 });
});

test('closing the app re-queues a resumable job that has a checkpoint and interrupts the rest', async (t) => {
  const { store } = tempStore(t);
  const project = store.projects.create('P');
  for (const [resumableRunner, expected] of [
    [true, 'queued'],
    [false, 'interrupted'],
  ] as const) {
    const queue = new JobQueue(store, { import: itemRunner({ resumable: resumableRunner }) });
    const started = new Promise<void>((resolve) => queue.subscribe((e) => e.type === 'progress' && resolve()));
    queue.start();
    const job = queue.enqueue('import', { projectId: project.id, items: 100, delayMs: 5 });
    await started;
    await queue.close();
    const row = store.jobs.get(job.id)!;
    assert.equal(row.state, expected);
    if (expected === 'interrupted') assert.equal(row.error, `the app was closed while this job was running (started at ${row.startedAt})`);
    if (expected === 'queued') {
      assert.equal(row.attempts, 0, 'a clean close does not count against the crash-loop limit');
      const next = (row.checkpoint as { next: number }).next;
      const again = new JobQueue(store, { import: itemRunner({ resumable: true }) });
      again.start();
      await again.idle();
      assert.equal(store.jobs.get(job.id)!.state, 'done');
      assert.deepEqual(store.jobs.get(job.id)!.result, { items: 100 - next });
      assert.equal(store.labels.list(project.id).length, 100);
      store.db.prepare('DELETE FROM labels').run();
    }
  }
});

test('recover gives up on a resumable job that has already been started maxAttempts times', async (t) => {
  const { store } = tempStore(t);
  const job = store.jobs.create({ kind: 'adapt' });
  for (let i = 0; i < 3; i++) {
    store.jobs.claimNext();
    store.jobs.setCheckpoint(job.id, { epoch: i });
    if (i < 2) store.jobs.requeue(job.id);
  }
  let ran = false;
  const queue = new JobQueue(store, { adapt: resumable(async () => (ran = true)) }, { maxAttempts: 3 });
  const { requeued, interrupted } = queue.recover();
  assert.deepEqual([requeued.length, interrupted.map((j) => j.id)], [0, [job.id]]);
  assert.match(interrupted[0].error!, /^the app stopped while this job was running \(started at .+\); it has been started 3 times, so it is not resumed again$/);
  queue.start();
  await queue.idle();
  assert.equal(ran, false);
});
