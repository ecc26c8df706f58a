import type Database from 'better-sqlite3';
import type { JobKind, JobState } from '../contract/contract.ts';
import { fromJson, now, requireObject, statements, toJson, type Statements } from './columns.ts';
import { InvalidValueError, NotFoundError, StoreError } from './errors.ts';

export type { JobKind, JobState };
/** A record keyed by the contract's kinds, so tsc fails when the two lists drift apart. */
const KINDS: Record<JobKind, true> = { adapt: true, 'segment-batch': true, import: true, export: true };
export const jobKinds = Object.keys(KINDS) as readonly JobKind[];
export type FinalJobState = 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobProgress {
  done: number;
  total: number;
  message?: string;
  /** anything else worth showing live (loss, Dice, …) */
  [key: string]: unknown;
}

export interface Job {
  id: number;
  kind: JobKind;
  projectId: number | null;
  config: Record<string, unknown>;
  state: JobState;
  progress: JobProgress | null;
  error: string | null;
  /** the runner's resume data, as last saved */
  checkpoint: unknown;
  result: unknown;
  /** how many times it has been started (a resumed job counts each start) */
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobLogLine {
  id: number;
  jobId: number;
  at: string;
  line: string;
}

interface Row {
  id: number;
  kind: JobKind;
  project_id: number | null;
  config: string;
  state: JobState;
  progress: string | null;
  error: string | null;
  checkpoint: string | null;
  result: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const toJob = (r: Row): Job => ({
  id: r.id,
  kind: r.kind,
  projectId: r.project_id,
  config: fromJson<Record<string, unknown>>(r.config) ?? {},
  state: r.state,
  progress: fromJson<JobProgress>(r.progress),
  error: r.error,
  checkpoint: fromJson(r.checkpoint),
  result: fromJson(r.result),
  attempts: r.attempts,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/**
 * Job rows and their state changes. Each change is guarded by the state it expects, so a late
 * write (a progress after a cancel) cannot bring a finished job back. The queue (main/jobs) drives
 * these; other callers mostly read.
 */
export class Jobs {
  private readonly q: Statements;

  constructor(db: Database.Database) {
    this.q = statements(db);
  }

  create(job: { kind: JobKind; config?: Record<string, unknown>; projectId?: number | null }): Job {
    if (!jobKinds.includes(job.kind)) throw new InvalidValueError('job kind', `must be one of ${jobKinds.join(', ')}, got '${job.kind}'`);
    const r = this.q<unknown[], Row>('INSERT INTO jobs (kind, project_id, config, created_at) VALUES (?, ?, ?, ?) RETURNING *').get(
      job.kind,
      job.projectId ?? null,
      JSON.stringify(requireObject('job config', job.config ?? {})),
      now(),
    )!;
    return toJob(r);
  }

  get(id: number): Job | undefined {
    const r = this.q<[number], Row>('SELECT * FROM jobs WHERE id = ?').get(id);
    return r && toJob(r);
  }

  /** Newest first. */
  list(filter: { state?: JobState | JobState[]; kind?: JobKind; projectId?: number; limit?: number } = {}): Job[] {
    const states = filter.state === undefined ? null : JSON.stringify([filter.state].flat());
    return this.q<[Record<string, unknown>], Row>(
      `SELECT * FROM jobs WHERE (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
         AND (@kind IS NULL OR kind = @kind) AND (@project IS NULL OR project_id = @project) ORDER BY id DESC LIMIT @limit`,
    )
      .all({ states, kind: filter.kind ?? null, project: filter.projectId ?? null, limit: filter.limit ?? -1 })
      .map(toJob);
  }

  /** Moves the oldest queued job to running (attempts + 1, started now) and returns it. */
  claimNext(): Job | undefined {
    const r = this.q<[string], Row>(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL, error = NULL
       WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1) RETURNING *`,
    ).get(now());
    return r && toJob(r);
  }

  setProgress(id: number, progress: JobProgress): void {
    this.q("UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'").run(JSON.stringify(progress), id);
  }

  /** Saves resume data; false when the job is no longer running. */
  setCheckpoint(id: number, checkpoint: unknown): boolean {
    return this.q("UPDATE jobs SET checkpoint = ? WHERE id = ? AND state = 'running'").run(toJson(checkpoint), id).changes > 0;
  }

  /** Ends a queued or running job; false when it had already ended. */
  finish(id: number, state: FinalJobState, outcome: { error?: string | null; result?: unknown } = {}): boolean {
    return (
      this.q("UPDATE jobs SET state = ?, error = ?, result = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')").run(
        state,
        outcome.error ?? null,
        toJson(outcome.result),
        now(),
        id,
      ).changes > 0
    );
  }

  /**
   * Puts a running job back in the queue (to resume from its checkpoint); false when it was not
   * running. `stoppedCleanly` (the app closed it) takes back the start it had counted, so
   * `attempts` only grows with starts that ended in a crash and the crash-loop limit is not used up
   * by ordinary restarts.
   */
  requeue(id: number, opts: { stoppedCleanly?: boolean } = {}): boolean {
    const back = opts.stoppedCleanly ? 1 : 0;
    return this.q("UPDATE jobs SET state = 'queued', attempts = max(attempts - ?, 0) WHERE id = ? AND state = 'running'").run(back, id).changes > 0;
  }

  appendLog(jobId: number, line: string): JobLogLine {
    const r = this.q<[number, string, string], { id: number; at: string }>('INSERT INTO job_log (job_id, at, line) VALUES (?, ?, ?) RETURNING id, at').get(jobId, now(), line)!;
    return { id: r.id, jobId, at: r.at, line };
  }

  /** Log lines in order; `afterId` continues from the last line seen. */
  log(jobId: number, page: { afterId?: number; limit?: number } = {}): JobLogLine[] {
    return this.q<[number, number, number], { id: number; job_id: number; at: string; line: string }>(
      'SELECT * FROM job_log WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?',
    )
      .all(jobId, page.afterId ?? 0, page.limit ?? -1)
      .map((r) => ({ id: r.id, jobId: r.job_id, at: r.at, line: r.line }));
  }

  /** Deletes a finished job and its log; a queued or running one must be cancelled first. */
  remove(id: number): boolean {
    const job = this.get(id);
    if (!job) throw new NotFoundError('job', id);
    if (job.state === 'queued' || job.state === 'running') throw new StoreError(`job ${id} is ${job.state}; cancel it before deleting it`);
    return this.q('DELETE FROM jobs WHERE id = ?').run(id).changes > 0;
  }
}
