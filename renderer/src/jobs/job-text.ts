// Words for jobs: names of kinds and states, colours of state badges, a job's one-line summary.

import type { JobInfo, JobKind, JobState } from '../../../main/contract/contract.ts';
import { readAdaptResult } from '../lib/adapt-progress.ts';
import { formatScore, formatStat, plural } from '../lib/format.ts';
import { pushSummary, readPushResult } from '../pacs/push-result.ts';

export const JOB_KIND_NAMES: Record<JobKind, string> = { adapt: 'Adapt', 'segment-batch': 'Segment all', import: 'Import', export: 'Export' };

export const JOB_STATE_NAMES: Record<JobState, string> = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled', interrupted: 'Interrupted' };

export const JOB_STATE_COLORS: Record<JobState, string> = { queued: 'gray', running: 'blue', done: 'green', failed: 'red', cancelled: 'yellow', interrupted: 'orange' };

/** What a finished job produced, in one line; null when there is nothing to say. */
export function jobResultText(job: JobInfo): string | null {
  const r = job.result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return null;
  const n = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : 0);
  switch (job.kind) {
    case 'import': {
      const parts = [plural(n('imported'), 'image') + ' imported'];
      if (n('duplicates')) parts.push(`${n('duplicates')} already in the project`);
      if (n('failed')) parts.push(`${n('failed')} could not be read`);
      if (n('masks')) parts.push(plural(n('masks'), 'corrected mask'));
      return parts.join(', ');
    }
    case 'export': {
      const push = readPushResult(r); // a push to a PACS is an export job with config.pacs
      if (push) return pushSummary(push);
      const parts = [`${plural(n('masks'), 'mask')} in ${plural(n('files'), 'file')}`];
      if (n('skipped')) parts.push(`${n('skipped')} skipped (see the log)`);
      return `${parts.join(', ')} → ${String(r.dir ?? '')}`;
    }
    case 'segment-batch':
      return typeof r.saved === 'number' ? `${plural(n('saved'), 'mask')} saved` : null;
    case 'adapt': {
      const a = readAdaptResult(r);
      if (!a) return null;
      return `new adapter ${formatScore('dsc', a.candidate)} vs ${formatStat(a.current.dsc, true)} now (n = ${a.candidate.n})`;
    }
  }
}
