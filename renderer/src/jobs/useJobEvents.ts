// The live picture of the jobs: listJobs once, then every job event from the core. Progress of a
// job this window has not seen (started by another window or the CLI) triggers one re-list.

import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { JobEvent, JobInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { applyJobEvent, emptyJobsState, mergeJobList, type JobLogLine, type JobsState } from '../lib/jobs-state.ts';

type Action = { type: 'event'; event: JobEvent } | { type: 'list'; jobs: JobInfo[] } | { type: 'log'; jobId: number; lines: JobLogLine[] };

function reduce(state: JobsState, a: Action): JobsState {
  switch (a.type) {
    case 'event':
      return applyJobEvent(state, a.event);
    case 'list':
      return mergeJobList(state, a.jobs);
    case 'log':
      // The stored log replaces what arrived live: it is complete and in order.
      return { ...state, logs: { ...state.logs, [a.jobId]: a.lines } };
  }
}

export interface JobEvents {
  state: JobsState;
  /** Adds a job this window just started (startJob/importPaths/exportMasks answered it). */
  track(job: JobInfo): void;
  /** Reloads the job list. */
  refresh(): void;
  /** Loads a job's full stored log (for jobs that ran before this window subscribed). */
  loadLog(jobId: number): Promise<void>;
}

export function useJobEvents(): JobEvents {
  const call = useApiCall();
  const [state, dispatch] = useReducer(reduce, emptyJobsState);
  const known = useRef(state.jobs);
  known.current = state.jobs;
  const relisting = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(() => {
    void call('List jobs', () => getApi().listJobs({ limit: 100 })).then((r) => {
      if (r.ok) dispatch({ type: 'list', jobs: r.value });
    });
  }, [call]);

  useEffect(() => {
    refresh();
    const unsubscribe = getApi().onJobEvent((event) => {
      dispatch({ type: 'event', event });
      if (event.type === 'progress' && !known.current[event.jobId] && !relisting.current) {
        relisting.current = setTimeout(() => {
          relisting.current = null;
          refresh();
        }, 500);
      }
    });
    return () => {
      unsubscribe();
      if (relisting.current) clearTimeout(relisting.current);
      relisting.current = null;
    };
  }, [refresh]);

  const track = useCallback((job: JobInfo) => dispatch({ type: 'list', jobs: [job] }), []);

  const loadLog = useCallback(async (jobId: number) => {
    const r = await call('Read job log', () => getApi().jobLog({ jobId }));
    if (r.ok) dispatch({ type: 'log', jobId, lines: r.value.map((l) => ({ at: l.at, line: l.line })) });
  }, [call]);

  return { state, track, refresh, loadLog };
}
