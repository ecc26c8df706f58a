// Running one job from the command line: through the persisted JobQueue (so it shows in the app's
// job list and resumes after a crash like any other), with progress on stderr and Ctrl-C as cancel.

import { JobQueue } from '../jobs/queue.ts';
import { defaultRunners } from '../jobs/runners/index.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { Job, JobKind, JobLogLine, JobProgress } from '../store/jobs.ts';
import type { Project } from '../store/projects.ts';
import type { Store } from '../store/store.ts';


/** The project of that name (compared without case); with `create`, made when missing. */
export function projectByName(store: Store, name: string, create = false): Project {
  const found = store.projects.byName(name);
  if (found) return found;
  if (create) return store.projects.create(name);
  const names = store.projects.list().map((p) => `'${p.name}'`);
  throw new Error(`no project named '${name}' in ${store.dataDir} (${names.length ? `projects: ${names.join(', ')}` : 'it has no projects'}); add --create to make it`);
}

/**
 * Runs one job to its end and returns it with its log. Jobs another run left unfinished run first
 * (import jobs resume from their checkpoint); unfinished jobs of kinds the command line cannot run
 * (batch segmentation, adapter training) make it refuse, since the app may be running them.
 */
/** The store must come from openLockedStore: the queue's recovery assumes no other process runs jobs. */
export async function runJob(
  store: Store, kind: JobKind, config: Record<string, unknown>, projectId: number,
  runners: Partial<Record<JobKind, JobRunner>> = defaultRunners(),
): Promise<{ job: Job; log: JobLogLine[] }> {
  const unfinished = store.jobs.list({ state: ['queued', 'running'] });
  const foreign = unfinished.filter((j) => !runners[j.kind]);
  if (foreign.length > 0) {
    throw new Error(
      `the data folder ${store.dataDir} has unfinished jobs the command line cannot run (${foreign.map((j) => `job ${j.id}: ${j.kind}, ${j.state}`).join('; ')}); ` +
        'let them finish or cancel them in the app. The app and the command line must not use one data folder at the same time.',
    );
  }
  for (const j of unfinished) console.error(`job ${j.id} (${j.kind}) was left ${j.state} by an earlier run; it runs first`);
  const queue = new JobQueue(store, runners, { progressIntervalMs: 250 });
  const printer = progressPrinter(process.stderr);
  queue.subscribe((e) => {
    if (e.type === 'progress') printer.update(e.jobId, e.progress);
  });
  queue.start();
  const job = queue.enqueue(kind, config, { projectId });
  const cancel = () => {
    printer.finish();
    console.error('cancelling…');
    queue.cancel(job.id);
  };
  process.once('SIGINT', cancel);
  try {
    await queue.idle();
  } finally {
    process.off('SIGINT', cancel);
    printer.finish();
    await queue.close();
  }
  return { job: store.jobs.get(job.id)!, log: store.jobs.log(job.id) };
}

/** `[done/total] message`, redrawn in place on a terminal, else a line at most every 2 s. */
function progressPrinter(out: NodeJS.WriteStream): { update(jobId: number, p: JobProgress): void; finish(): void } {
  const tty = out.isTTY === true;
  let last = -Infinity;
  let drawn = false;
  return {
    update(jobId, p) {
      const now = performance.now();
      if (now - last < (tty ? 100 : 2000) && p.done < p.total) return;
      last = now;
      const line = `job ${jobId} [${p.done}/${p.total}]${p.message ? ` ${p.message}` : ''}`;
      if (tty) {
        out.write(`\r${line.slice(0, (out.columns || 80) - 1)}\x1b[K`);
        drawn = true;
      } else out.write(`${line}\n`);
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

/** The job's outcome as an error for a job that did not end 'done'. */
export function jobFailure(job: Job): Error {
  return new Error(`job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}`);
}
