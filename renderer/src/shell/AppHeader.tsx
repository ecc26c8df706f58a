// The top bar: app name (back to the projects), the open project's name, model/adapter status,
// jobs, settings.

import { ActionIcon, Anchor, Group, Text, Tooltip } from '@mantine/core';
import { IconChevronRight, IconSettings } from '@tabler/icons-react';
import type { AdapterInfo, ProjectSummary } from '../../../main/contract/contract.ts';
import type { AppInfo } from '../api/api.ts';
import { JobIndicator } from '../jobs/JobIndicator.tsx';
import { ModelStatusBadge } from './ModelStatusBadge.tsx';

export function AppHeader({ project, info, activeAdapter, onProjects, onJobs, onSettings }: {
  project: ProjectSummary | null;
  info: AppInfo | null;
  activeAdapter: AdapterInfo | null;
  onProjects(): void;
  onJobs(): void;
  onSettings(): void;
}) {
  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap">
      <Group gap={6} wrap="nowrap" miw={0}>
        <Anchor component="button" type="button" onClick={onProjects} c="inherit" underline="never" fw={700} aria-label="All projects">
          Delineate
        </Anchor>
        {project && (
          <>
            <IconChevronRight size={14} aria-hidden style={{ opacity: 0.5, flex: 'none' }} />
            <Text fw={600} size="sm" truncate title={project.name}>{project.name}</Text>
          </>
        )}
      </Group>
      <Group gap="xs" wrap="nowrap">
        <ModelStatusBadge info={info} activeAdapter={activeAdapter} inProject={project != null} />
        <JobIndicator onOpen={onJobs} />
        <Tooltip label="Settings and status">
          <ActionIcon aria-label="Settings" onClick={onSettings} color="gray"><IconSettings size={18} /></ActionIcon>
        </Tooltip>
      </Group>
    </Group>
  );
}
