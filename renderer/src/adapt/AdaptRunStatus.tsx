// A running adapt job: phase, epoch, ETA, progress, the live chart, cancel.

import { Badge, Button, Group, Progress, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { JobInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { readAdaptProgress, type AdaptChartPoint } from '../lib/adapt-progress.ts';
import { formatEta, progressPercent } from '../lib/format.ts';
import { AdaptChart } from './AdaptChart.tsx';

const PHASE_NAMES: Record<string, string> = {
  preparing: 'Preparing the corrected masks',
  caching: 'Encoding the images once',
  training: 'Training',
  evaluating: 'Checking on held-out images',
  saving: 'Saving the adapter',
};

export function AdaptRunStatus({ job, points }: { job: JobInfo; points: AdaptChartPoint[] }) {
  const call = useApiCall();
  const [cancelling, setCancelling] = useState(false);
  const p = readAdaptProgress(job.progress);
  const pct = progressPercent(job.progress);
  const cancel = async () => {
    setCancelling(true);
    await call('Cancel training', () => getApi().cancelJob({ jobId: job.id }));
    setCancelling(false);
  };
  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap" gap="xs" role="status" aria-live="polite" aria-label="Training status">
        <Group gap="xs">
          <Badge variant="light" color={job.state === 'queued' ? 'gray' : 'blue'} tt="none">{job.state === 'queued' ? 'Queued' : PHASE_NAMES[p?.phase ?? ''] ?? 'Starting'}</Badge>
          {p && p.maxEpochs > 0 && <Text size="sm">Epoch {Math.min(p.epoch + 1, p.maxEpochs)} / {p.maxEpochs}</Text>}
          {p?.loss != null && <Text size="sm" c="dimmed">loss {p.loss.toFixed(4)}</Text>}
          {p?.valDice != null && <Text size="sm" c="dimmed">val Dice {(p.valDice * 100).toFixed(1)}%</Text>}
        </Group>
        <Text size="sm">ETA {formatEta(p?.eta)}</Text>
      </Group>
      <Progress value={pct ?? 100} striped={pct == null} animated aria-label="Training progress" />
      {job.progress?.message && <Text size="xs" c="dimmed">{job.progress.message}</Text>}
      <AdaptChart points={points} />
      <Group justify="flex-end">
        <Button color="red" variant="light" loading={cancelling} onClick={cancel}>Cancel training</Button>
      </Group>
    </Stack>
  );
}
