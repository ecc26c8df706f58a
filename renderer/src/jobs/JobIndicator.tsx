// The header's jobs button: a ring of the active jobs' combined progress and their count.

import { Badge, Button, RingProgress } from '@mantine/core';
import { IconListCheck } from '@tabler/icons-react';
import { activeSummary, sortedJobs } from '../lib/jobs-state.ts';
import { useJobs } from './jobs-context.ts';

export function JobIndicator({ onOpen }: { onOpen(): void }) {
  const { state } = useJobs();
  const { active, fraction } = activeSummary(sortedJobs(state));
  const label = active ? `Jobs, ${active} running` : 'Jobs';
  return (
    <Button
      variant="subtle"
      color="gray"
      onClick={onOpen}
      aria-label={label}
      leftSection={active ? (
        <RingProgress size={22} thickness={3} roundCaps sections={[{ value: (fraction ?? 0) * 100, color: 'accent' }]} aria-hidden />
      ) : <IconListCheck size={16} />}
      rightSection={active ? <Badge size="xs" circle variant="filled">{active}</Badge> : null}
    >
      Jobs
    </Button>
  );
}
