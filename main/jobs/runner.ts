// What a job runner is given and must honour. Real runners (adapt, segment-batch, import, export)
// live with their features; the queue only knows this contract.

import type { Job, JobProgress } from '../store/jobs.ts';
import type { Store } from '../store/store.ts';

export interface JobContext {
  /** aborted on cancel (reason: JobAbortedError 'cancelled') and on app close ('closing'); runners must stop soon after */
  readonly signal: AbortSignal;
  readonly store: Store;
  /** live progress; every call is an event, store writes are throttled */
  progress(p: JobProgress): void;
  /** one line of the job's log, saved at once */
  log(line: string): void;
  /**
   * Saves resume data (JSON) at once. A resumable runner reads it back from `job.checkpoint` when
   * it is started again. Call it inside the same `store.transaction` as the results it covers, so
   * a crash keeps both or neither and no finished item is redone.
   */
  checkpoint(data: unknown): void;
}

/**
 * Runs one job and returns its result (JSON, kept in the job row). Throwing fails the job with the
 * error's message. `resumable`: after a crash or close the job is queued again and restarted with
 * its last checkpoint in `job.checkpoint`; otherwise it ends 'interrupted'.
 */
export interface JobRunner {
  (job: Job, ctx: JobContext): Promise<unknown>;
  resumable?: boolean;
}

/** Marks a runner as able to continue from `job.checkpoint`. */
export function resumable(run: (job: Job, ctx: JobContext) => Promise<unknown>): JobRunner {
  const runner: JobRunner = (job, ctx) => run(job, ctx);
  runner.resumable = true;
  return runner;
}

/** The signal's reason when the queue stops a job. */
export class JobAbortedError extends Error {
  constructor(readonly jobId: number, readonly why: 'cancelled' | 'closing') {
    super(why === 'cancelled' ? `job ${jobId} was cancelled` : `job ${jobId} was stopped because the app is closing`);
    this.name = 'JobAbortedError';
  }
}
