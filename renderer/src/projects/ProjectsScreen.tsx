// The start screen: every project, recently opened first, with create / open / rename / delete.

import { ActionIcon, Button, Center, Group, Loader, Paper, Stack, Table, Text, Title, Tooltip, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { IconFolderOpen, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import type { ProjectSummary } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { formatDateTime } from '../lib/format.ts';
import { orderProjects, type RecentEntry } from '../lib/recent-projects.ts';
import { DeleteProjectModal } from './DeleteProjectModal.tsx';
import { ProjectNameModal } from './ProjectNameModal.tsx';

export function ProjectsScreen({ projects, recent, onOpen, onChanged }: {
  projects: ProjectSummary[] | null;
  recent: RecentEntry[];
  onOpen(p: ProjectSummary): void;
  onChanged(): Promise<unknown>;
}) {
  const call = useApiCall();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<ProjectSummary | null>(null);
  const [deleting, setDeleting] = useState<ProjectSummary | null>(null);
  const openedAt = new Map(recent.map((r) => [r.projectId, r.openedAt]));
  const ordered = projects ? orderProjects(projects, recent) : [];

  const create = async (name: string) => {
    const r = await call('Create project', () => getApi().createProject({ name }));
    if (!r.ok) return false;
    await onChanged();
    onOpen(r.value);
    return true;
  };
  const rename = async (name: string) => {
    if (!renaming) return false;
    const r = await call('Rename project', () => getApi().renameProject({ projectId: renaming.id, name }));
    if (r.ok) await onChanged();
    return r.ok;
  };
  const remove = async (p: ProjectSummary) => {
    const r = await call('Delete project', () => getApi().deleteProject({ projectId: p.id }));
    if (r.ok) await onChanged();
    return r.ok;
  };

  return (
    <Stack gap="md" maw={960} mx="auto" p="md">
      <Group justify="space-between">
        <Title order={2} size="h3">Projects</Title>
        <Button leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>New project</Button>
      </Group>
      {projects == null ? (
        <Center h={120}><Loader size="sm" aria-label="Loading projects" /></Center>
      ) : projects.length === 0 ? (
        <Paper withBorder p="xl">
          <Stack align="center" gap="xs">
            <Text fw={600}>No projects yet</Text>
            <Text size="sm" c="dimmed">A project holds the images of one task (e.g. "Polyps, colonoscopy 2025"), their masks and the adapters trained on them.</Text>
            <Button onClick={() => setCreating(true)} variant="light">Create the first project</Button>
          </Stack>
        </Paper>
      ) : (
        <Paper withBorder>
          <Table highlightOnHover aria-label="Projects" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th ta="right">Images</Table.Th>
                <Table.Th ta="right">Corrected masks</Table.Th>
                <Table.Th>Last opened</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th w={100}><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {ordered.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <UnstyledButton onClick={() => onOpen(p)} aria-label={`Open project ${p.name}`}>
                      <Group gap={6} wrap="nowrap">
                        <IconFolderOpen size={16} aria-hidden />
                        <Text size="sm" fw={600}>{p.name}</Text>
                      </Group>
                    </UnstyledButton>
                  </Table.Td>
                  <Table.Td ta="right">{p.images.toLocaleString('en-US')}</Table.Td>
                  <Table.Td ta="right">{p.correctedMasks.toLocaleString('en-US')}</Table.Td>
                  <Table.Td>{openedAt.has(p.id) ? formatDateTime(openedAt.get(p.id)) : '—'}</Table.Td>
                  <Table.Td>{formatDateTime(p.createdAt)}</Table.Td>
                  <Table.Td>
                    <Group gap={2} justify="flex-end" wrap="nowrap">
                      <Tooltip label="Rename">
                        <ActionIcon aria-label={`Rename ${p.name}`} onClick={() => setRenaming(p)}><IconPencil size={16} /></ActionIcon>
                      </Tooltip>
                      <Tooltip label="Delete">
                        <ActionIcon aria-label={`Delete ${p.name}`} color="red" onClick={() => setDeleting(p)}><IconTrash size={16} /></ActionIcon>
                      </Tooltip>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <ProjectNameModal opened={creating} title="New project" submitLabel="Create" initialName="" onClose={() => setCreating(false)} onSubmit={create} />
      <ProjectNameModal opened={renaming != null} title="Rename project" submitLabel="Save" initialName={renaming?.name ?? ''} onClose={() => setRenaming(null)} onSubmit={rename} />
      <DeleteProjectModal project={deleting} onClose={() => setDeleting(null)} onConfirm={remove} />
    </Stack>
  );
}
