// Deleting a project needs a confirmation that says what goes with it.

import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ProjectSummary } from '../../../main/contract/contract.ts';
import { plural } from '../lib/format.ts';

export function DeleteProjectModal({ project, onClose, onConfirm }: { project: ProjectSummary | null; onClose(): void; onConfirm(p: ProjectSummary): Promise<boolean> }) {
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    if (!project) return;
    setBusy(true);
    const done = await onConfirm(project);
    setBusy(false);
    if (done) onClose();
  };
  return (
    <Modal opened={project != null} onClose={onClose} title="Delete project" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      {project && (
        <Stack gap="sm">
          <Text size="sm">
            Delete <b>{project.name}</b>? Its {plural(project.images, 'image')}, {plural(project.correctedMasks, 'corrected mask')} and its
            adapters are removed from Delineate. Image files you imported stay where they are; copies Delineate pulled from a PACS
            (or received from one) for this project alone are deleted.
          </Text>
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose} data-autofocus>Cancel</Button>
            <Button color="red" loading={busy} onClick={confirm}>Delete project</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
