// One job's live status inline (in the dialog that started it): state, progress bar, current
// item, and at the end the result or the error.

import { Alert, Badge, Group, Progress, Stack, Text } from '@mantine/core';
import type { JobInfo } from '../../../main/contract/contract.ts';
import { progressPercent } from '../lib/format.ts';
import { JOB_KIND_NAMES, JOB_STATE_COLORS, JOB_STATE_NAMES, jobResultText } from './job-text.ts';

/** `hideResult`: the dialog shows the result its own way (e.g. the export folder, copyable). */
export function JobProgress({ job, hideResult = false }: { job: JobInfo; hideResult?: boolean }) {
  const pct = progressPercent(job.progress);
  const running = job.state === 'running' || job.state === 'queued';
  const result = job.state === 'done' && !hideResult ? jobResultText(job) : null;
  const label = `${JOB_KIND_NAMES[job.kind]} progress`;
  return (
    <Stack gap={6} role="status" aria-live="polite">
      <Group justify="space-between" gap="xs">
        <Badge color={JOB_STATE_COLORS[job.state]} variant="light">{JOB_STATE_NAMES[job.state]}</Badge>
        {job.progress && job.progress.total > 0 && (
          <Text size="xs" c="dimmed">{job.progress.done} / {job.progress.total}</Text>
        )}
      </Group>
      {running && <Progress value={pct ?? 100} animated={pct == null || job.state === 'running'} striped={pct == null} aria-label={label} size="sm" />}
      {running && job.progress?.message && <Text size="xs" c="dimmed" truncate="start">{`\u200e${job.progress.message}\u200e`}</Text>}
      {result && <Text size="sm" style={{ wordBreak: 'break-all' }}>{result}</Text>}
      {job.state === 'failed' && <Alert color="red" variant="light" title="The job failed" p="xs">{job.error ?? 'no reason given'}</Alert>}
      {job.state === 'interrupted' && <Alert color="orange" variant="light" p="xs">{sentence(job.error ?? 'the app closed while this job ran and it could not resume')} Start it again.</Alert>}
    </Stack>
  );
}

const sentence = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
