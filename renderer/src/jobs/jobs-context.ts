// Job state shared by the header indicator, the jobs drawer and the dialogs that start jobs.

import { createContext, useContext, useEffect, useRef } from 'react';
import type { JobInfo, JobState } from '../../../main/contract/contract.ts';
import type { JobEvents } from './useJobEvents.ts';

export const JobsContext = createContext<JobEvents | null>(null);

export function useJobs(): JobEvents {
  const jobs = useContext(JobsContext);
  if (!jobs) throw new Error('useJobs: no JobsContext provider above this component');
  return jobs;
}

/** The live JobInfo of one job (null while unknown). */
export function useJob(jobId: number | null): JobInfo | null {
  const { state } = useJobs();
  return jobId == null ? null : state.jobs[jobId] ?? null;
}

const ENDED: JobState[] = ['done', 'failed', 'cancelled', 'interrupted'];

/**
 * Calls `onEnd` once each time a job matching `match` reaches an end state while this component
 * is mounted (e.g. refresh the library when an import of this project finishes).
 */
export function useJobEnded(match: (job: JobInfo) => boolean, onEnd: (job: JobInfo) => void): void {
  const { state } = useJobs();
  const seen = useRef(new Map<number, JobState>());
  const latest = useRef({ match, onEnd });
  latest.current = { match, onEnd };
  useEffect(() => {
    for (const job of Object.values(state.jobs)) {
      const before = seen.current.get(job.id);
      seen.current.set(job.id, job.state);
      // Only transitions seen here count: jobs that had ended before mounting are not replayed.
      if (before !== undefined && !ENDED.includes(before) && ENDED.includes(job.state) && latest.current.match(job)) latest.current.onEnd(job);
    }
  }, [state.jobs]);
}
