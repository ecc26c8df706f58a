// The renderer's picture of the jobs: JobInfo per id from listJobs plus the live events, and each
// job's recent log lines. Pure so the event order rules are testable.

import type { JobEvent, JobInfo } from '../../../main/contract/contract.ts';
import { addAdaptPoint, readAdaptProgress, type AdaptChartPoint } from './adapt-progress.ts';

export interface JobLogLine {
  at: string;
  line: string;
}

export interface JobsState {
  jobs: Record<number, JobInfo>;
  logs: Record<number, JobLogLine[]>;
  /** training-chart points of adapt jobs, gathered from their progress events */
  adaptPoints: Record<number, AdaptChartPoint[]>;
}

/** Lines of log kept per job in memory; the full log stays in the store (jobLog). */
export const MAX_LOG_LINES = 500;

export const emptyJobsState: JobsState = { jobs: {}, logs: {}, adaptPoints: {} };

export const isActive = (job: JobInfo): boolean => job.state === 'queued' || job.state === 'running';

const stage = (job: JobInfo): number => (job.state === 'queued' ? 0 : job.state === 'running' ? 1 : 2);

/**
 * A snapshot (a listJobs answer, or the JobInfo a start call answered) that is older than what the
 * events already said: it is at an earlier stage of the same run. The events come over their own
 * socket, so a short job's 'done' often arrives before the HTTP answer that started it ('queued').
 * A run that started again (a resumed job) has a later startedAt and is not stale.
 */
function isStale(snapshot: JobInfo, known: JobInfo): boolean {
  return stage(snapshot) < stage(known) && (snapshot.startedAt ?? '') <= (known.startedAt ?? '');
}

/** Merges a listJobs answer: a job already known keeps newer live state, and its progress while it runs. */
export function mergeJobList(state: JobsState, list: readonly JobInfo[]): JobsState {
  const jobs = { ...state.jobs };
  for (const job of list) {
    const known = jobs[job.id];
    if (known && isStale(job, known)) continue;
    jobs[job.id] = known && isActive(known) && isActive(job) && known.progress && !job.progress ? { ...job, progress: known.progress } : job;
  }
  return { ...state, jobs };
}

/** The state after one job event. Progress of a job not seen yet is dropped (its state event or the next listJobs brings it). */
export function applyJobEvent(state: JobsState, e: JobEvent): JobsState {
  switch (e.type) {
    case 'state': {
      const known = state.jobs[e.job.id];
      // A state event without progress (e.g. 'running' at start) must not wipe progress already shown.
      const progress = e.job.progress ?? (known && isActive(e.job) ? known.progress : null);
      return withAdaptPoint({ ...state, jobs: { ...state.jobs, [e.job.id]: { ...e.job, progress } } }, { ...e.job, progress });
    }
    case 'progress': {
      const known = state.jobs[e.jobId];
      if (!known || !isActive(known)) return state; // unknown, or a late event after the job ended
      const job: JobInfo = { ...known, state: 'running', progress: e.progress };
      return withAdaptPoint({ ...state, jobs: { ...state.jobs, [e.jobId]: job } }, job);
    }
    case 'log': {
      const lines = state.logs[e.jobId] ?? [];
      const next = lines.length >= MAX_LOG_LINES ? lines.slice(lines.length - MAX_LOG_LINES + 1) : lines.slice();
      next.push({ at: e.at, line: e.line });
      return { ...state, logs: { ...state.logs, [e.jobId]: next } };
    }
  }
}

/** Jobs newest first (by id: ids grow with creation). */
export function sortedJobs(state: JobsState, projectId?: number | null): JobInfo[] {
  return Object.values(state.jobs)
    .filter((j) => projectId == null || j.projectId === projectId)
    .sort((a, b) => b.id - a.id);
}

function withAdaptPoint(state: JobsState, job: JobInfo): JobsState {
  if (job.kind !== 'adapt') return state;
  const p = readAdaptProgress(job.progress);
  if (!p) return state;
  const before = state.adaptPoints[job.id] ?? [];
  const after = addAdaptPoint(before, p);
  return after === before ? state : { ...state, adaptPoints: { ...state.adaptPoints, [job.id]: after } };
}

/** A summary for the header: how many jobs are active and their combined progress (0–1, null if unknown). */
export function activeSummary(jobs: readonly JobInfo[]): { active: number; fraction: number | null } {
  const active = jobs.filter(isActive);
  let done = 0;
  let total = 0;
  for (const j of active) {
    if (j.progress && j.progress.total > 0) {
      done += Math.min(j.progress.done, j.progress.total);
      total += j.progress.total;
    }
  }
  return { active: active.length, fraction: total > 0 ? done / total : null };
}
