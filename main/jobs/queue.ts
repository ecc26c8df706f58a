// The persisted job queue: jobs live in the store's `jobs` table, so the list, progress, logs and
// outcomes survive restarts. One job runs at a time — engine jobs share one engine and would only
// slow each other down — and the rest wait in order.

import type { FinalJobState, Job, JobKind, JobLogLine, JobProgress } from '../store/jobs.ts';
import type { Store } from '../store/store.ts';
import { JobAbortedError, type JobContext, type JobRunner } from './runner.ts';

export type JobEvent =
  | { type: 'state'; job: Job }
  | { type: 'progress'; jobId: number; progress: JobProgress }
  | { type: 'log'; jobId: number; line: JobLogLine };

export interface JobQueueOptions {
  /** at most one progress write to the store per this many ms per job (events are not throttled); default 500 */
  progressIntervalMs?: number;
  /** a resumable job that has been started this many times is not resumed again after a crash; default 3 */
  maxAttempts?: number;
}

interface Running {
  job: Job;
  controller: AbortController;
  ended: boolean;
  /** progress not yet written to the store */
  pending: JobProgress | null;
  lastWrite: number;
  timer: NodeJS.Timeout | null;
  settled: Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class JobQueue {
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly progressIntervalMs: number;
  private readonly maxAttempts: number;
  private current: Running | null = null;
  private started = false;
  private closing = false;
  private recovered = false;
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly runners: Partial<Record<JobKind, JobRunner>>,
    options: JobQueueOptions = {},
  ) {
    this.progressIntervalMs = options.progressIntervalMs ?? 500;
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  /** Calls `listener` for every state change, progress report and log line; returns the unsubscribe. */
  subscribe(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a job at the end of the queue. */
  enqueue(kind: JobKind, config: Record<string, unknown> = {}, options: { projectId?: number | null } = {}): Job {
    const job = this.store.jobs.create({ kind, config, projectId: options.projectId ?? null });
    this.emit({ type: 'state', job });
    this.schedule();
    return job;
  }

  /**
   * A queued job ends 'cancelled' at once; a running one gets its signal aborted and ends
   * 'cancelled' when its runner returns. False when the job had already ended (or is unknown).
   */
  cancel(id: number): boolean {
    const run = this.current;
    if (run && run.job.id === id) {
      if (!run.controller.signal.aborted) {
        this.writeLog(run, 'cancel requested');
        run.controller.abort(new JobAbortedError(id, 'cancelled'));
      }
      return true;
    }
    if (!this.store.jobs.finish(id, 'cancelled')) return false;
    this.emitState(id);
    return true;
  }

  /** The id of the running job, if any. */
  get runningId(): number | null {
    return this.current?.job.id ?? null;
  }

  /**
   * Settles jobs a crash left 'running' (call once at start-up, before start(); start() calls it
   * if you have not). A job whose runner is resumable and that has a checkpoint goes back in the
   * queue — unless it has been started maxAttempts times, which suggests it is what crashes the
   * app; every other one ends 'interrupted' with the reason.
   */
  recover(): { requeued: Job[]; interrupted: Job[] } {
    if (this.current) throw new Error('JobQueue.recover: a job is running in this process; recover before start()');
    this.recovered = true;
    const requeued: Job[] = [];
    const interrupted: Job[] = [];
    for (const job of this.store.jobs.list({ state: 'running' }).reverse()) {
      const reason = `the app stopped while this job was running (started at ${job.startedAt})`;
      const resume = this.runners[job.kind]?.resumable === true && job.checkpoint != null;
      if (resume && job.attempts < this.maxAttempts) {
        this.store.transaction(() => {
          this.store.jobs.requeue(job.id);
          this.store.jobs.appendLog(job.id, `${reason}; it will resume from its checkpoint`);
        });
        requeued.push(this.store.jobs.get(job.id)!);
      } else {
        const why = resume ? `${reason}; it has been started ${job.attempts} times, so it is not resumed again` : reason;
        this.store.transaction(() => {
          this.store.jobs.finish(job.id, 'interrupted', { error: why });
          this.store.jobs.appendLog(job.id, why);
        });
        interrupted.push(this.store.jobs.get(job.id)!);
      }
    }
    for (const job of [...requeued, ...interrupted]) this.emit({ type: 'state', job });
    return { requeued, interrupted };
  }

  /** Starts running queued jobs (recovering first if recover() was not called). */
  start(): void {
    if (this.closing) throw new Error('JobQueue.start: the queue has been closed');
    if (!this.recovered) this.recover();
    this.started = true;
    this.schedule();
  }

  /** Resolves when no job is running or queued (at once if the queue is not started). */
  idle(): Promise<void> {
    if (!this.started || (!this.current && !this.scheduled && this.store.jobs.list({ state: 'queued', limit: 1 }).length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking jobs and stops the running one (signal reason 'closing'). A resumable job with a
   * checkpoint goes back to 'queued' for the next start; any other ends 'interrupted'.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.started = false;
    const run = this.current;
    if (run) {
      run.controller.abort(new JobAbortedError(run.job.id, 'closing'));
      await run.settled;
    }
    this.settleIdle();
  }

  private schedule(): void {
    if (!this.started || this.current || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runNext().catch((e) => console.error('[delineate] job queue:', e));
    });
  }

  private async runNext(): Promise<void> {
    if (!this.started || this.current) return;
    const job = this.store.jobs.claimNext();
    if (!job) return this.settleIdle();
    let settle!: () => void;
    const run: Running = { job, controller: new AbortController(), ended: false, pending: null, lastWrite: 0, timer: null, settled: new Promise((r) => (settle = r)) };
    this.current = run;
    try {
      this.emit({ type: 'state', job });
      let outcome: { state: FinalJobState | 'queued'; error?: string; result?: unknown };
      try {
        const runner = this.runners[job.kind];
        if (!runner) throw new Error(`this app has no runner for '${job.kind}' jobs`);
        const result = await runner(job, this.context(run));
        JSON.stringify(result ?? null); // a result that cannot be stored fails the job, not the queue
        outcome = { state: 'done', result };
      } catch (e) {
        outcome = { state: 'failed', error: message(e) };
        if (!run.controller.signal.aborted && e instanceof Error && e.stack) this.writeLog(run, e.stack);
      }
      run.ended = true;
      this.flushProgress(run);
      const reason = run.controller.signal.reason;
      if (reason instanceof JobAbortedError) outcome = this.afterAbort(run, reason);
      this.store.transaction(() => {
        if (outcome.state === 'queued') this.store.jobs.requeue(job.id, { stoppedCleanly: true });
        else this.store.jobs.finish(job.id, outcome.state, outcome);
      });
      this.emitState(job.id);
    } finally {
      if (run.timer) clearTimeout(run.timer);
      this.current = null;
      settle();
      this.schedule();
    }
  }

  private afterAbort(run: Running, reason: JobAbortedError): { state: FinalJobState | 'queued'; error?: string } {
    if (reason.why === 'cancelled') {
      this.writeLog(run, 'cancelled');
      return { state: 'cancelled' };
    }
    const checkpoint = this.store.jobs.get(run.job.id)?.checkpoint;
    if (this.runners[run.job.kind]?.resumable && checkpoint != null) {
      this.writeLog(run, 'stopped because the app is closing; it will resume from its checkpoint');
      return { state: 'queued' };
    }
    const error = `the app was closed while this job was running (started at ${run.job.startedAt})`;
    this.writeLog(run, error);
    return { state: 'interrupted', error };
  }

  private context(run: Running): JobContext {
    const id = run.job.id;
    return {
      signal: run.controller.signal,
      store: this.store,
      progress: (p) => {
        if (run.ended) return;
        if (!(Number.isFinite(p?.done) && Number.isFinite(p?.total) && p.done >= 0 && p.total >= 0)) {
          throw new TypeError(`job ${id} progress: done and total must be numbers ≥ 0, got ${JSON.stringify(p)}`);
        }
        const progress = { ...p };
        run.pending = progress;
        this.emit({ type: 'progress', jobId: id, progress });
        const wait = run.lastWrite + this.progressIntervalMs - Date.now();
        if (wait <= 0) this.flushProgress(run);
        else if (!run.timer) {
          run.timer = setTimeout(() => {
            run.timer = null;
            if (!run.ended) this.flushProgress(run);
          }, wait);
          run.timer.unref();
        }
      },
      log: (line) => {
        if (!run.ended) this.writeLog(run, String(line));
      },
      checkpoint: (data) => {
        if (run.ended) return;
        if (data === undefined || data === null) throw new TypeError(`job ${id} checkpoint: give resume data, not ${data}`);
        this.store.transaction(() => {
          this.flushProgress(run);
          this.store.jobs.setCheckpoint(id, data);
        });
      },
    };
  }

  private flushProgress(run: Running): void {
    if (!run.pending) return;
    this.store.jobs.setProgress(run.job.id, run.pending);
    run.pending = null;
    run.lastWrite = Date.now();
  }

  private writeLog(run: Running, line: string): void {
    this.emit({ type: 'log', jobId: run.job.id, line: this.store.jobs.appendLog(run.job.id, line) });
  }

  private emitState(id: number): void {
    const job = this.store.jobs.get(id);
    if (job) this.emit({ type: 'state', job });
  }

  private emit(e: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(e);
      } catch (err) {
        // A broken listener (a closed window) must not stop the queue.
        console.error('[delineate] job event listener failed:', err);
      }
    }
  }

  private settleIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
