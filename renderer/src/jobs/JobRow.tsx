// One job in the jobs drawer: kind, state, progress, cancel, and its log on demand.

import { Badge, Button, Collapse, Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { JobInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { formatDateTime, progressPercent } from '../lib/format.ts';
import { isActive, type JobLogLine } from '../lib/jobs-state.ts';
import { JOB_KIND_NAMES, JOB_STATE_COLORS, JOB_STATE_NAMES, jobResultText } from './job-text.ts';
import { JobLog } from './JobLog.tsx';
import { useJobs } from './jobs-context.ts';

export function JobRow({ job, log, projectName }: { job: JobInfo; log: JobLogLine[]; projectName: string | null }) {
  const call = useApiCall();
  const { loadLog } = useJobs();
  const [showLog, setShowLog] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const pct = progressPercent(job.progress);
  const name = `${JOB_KIND_NAMES[job.kind]} job ${job.id}`;

  const toggleLog = () => {
    if (!showLog) void loadLog(job.id);
    setShowLog((s) => !s);
  };
  const cancel = async () => {
    setCancelling(true);
    await call(`Cancel ${name}`, () => getApi().cancelJob({ jobId: job.id }));
    setCancelling(false);
  };

  return (
    <Paper withBorder p="xs" component="li" aria-label={name} style={{ listStyle: 'none' }}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap" miw={0}>
            <Text fw={600} size="sm">{JOB_KIND_NAMES[job.kind]}</Text>
            <Text size="xs" c="dimmed">#{job.id}</Text>
            {projectName && <Text size="xs" c="dimmed" truncate>{projectName}</Text>}
          </Group>
          <Badge color={JOB_STATE_COLORS[job.state]} variant="light">{JOB_STATE_NAMES[job.state]}</Badge>
        </Group>
        {isActive(job) && <Progress value={pct ?? 100} striped={pct == null} animated size="sm" aria-label={`${name} progress`} />}
        {job.progress?.message && isActive(job) && <Text size="xs" c="dimmed" truncate="start">{`\u200e${job.progress.message}\u200e`}</Text>}
        {job.state === 'done' && jobResultText(job) && <Text size="xs" style={{ wordBreak: 'break-all' }}>{jobResultText(job)}</Text>}
        {job.error && <Text size="xs" c="red.4">{job.error}</Text>}
        <Group justify="space-between" gap="xs">
          <Text size="xs" c="dimmed">{formatDateTime(job.startedAt ?? job.createdAt)}{job.finishedAt ? ` – ${formatDateTime(job.finishedAt).slice(11)}` : ''}</Text>
          <Group gap={4}>
            <Button variant="subtle" onClick={toggleLog} aria-expanded={showLog} aria-label={`${showLog ? 'Hide' : 'Show'} log of ${name}`}>
              {showLog ? 'Hide log' : 'Log'}
            </Button>
            {isActive(job) && (
              <Button variant="light" color="red" loading={cancelling} onClick={cancel} aria-label={`Cancel ${name}`}>Cancel</Button>
            )}
          </Group>
        </Group>
        <Collapse in={showLog}>
          {showLog && <JobLog lines={log} jobId={job.id} />}
        </Collapse>
      </Stack>
    </Paper>
  );
}
