// All jobs, newest first, with a switch between this project's and every project's.

import { Drawer, ScrollArea, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ProjectSummary } from '../../../main/contract/contract.ts';
import { sortedJobs } from '../lib/jobs-state.ts';
import { JobRow } from './JobRow.tsx';
import { useJobs } from './jobs-context.ts';

export function JobsDrawer({ opened, onClose, projectId, projects }: { opened: boolean; onClose(): void; projectId: number | null; projects: ProjectSummary[] }) {
  const { state } = useJobs();
  const [scope, setScope] = useState<'project' | 'all'>('project');
  const onlyProject = scope === 'project' && projectId != null;
  const jobs = sortedJobs(state, onlyProject ? projectId : undefined);
  const names = new Map(projects.map((p) => [p.id, p.name]));
  return (
    <Drawer opened={opened} onClose={onClose} position="right" size="md" title="Jobs" scrollAreaComponent={ScrollArea.Autosize} closeButtonProps={{ 'aria-label': 'Close jobs' }}>
      <Stack gap="sm">
        {projectId != null && (
          <SegmentedControl
            aria-label="Which jobs"
            value={scope}
            onChange={(v) => setScope(v as 'project' | 'all')}
            data={[{ value: 'project', label: 'This project' }, { value: 'all', label: 'All projects' }]}
          />
        )}
        {jobs.length === 0 && <Text size="sm" c="dimmed">No jobs yet.</Text>}
        <Stack gap="xs" component="ul" p={0} m={0} aria-label="Job list">
          {jobs.map((job) => (
            <JobRow key={job.id} job={job} log={state.logs[job.id] ?? []} projectName={onlyProject || job.projectId == null ? null : names.get(job.projectId) ?? null} />
          ))}
        </Stack>
      </Stack>
    </Drawer>
  );
}
