// Create or rename a project: one name field. On failure the modal stays open with the name as
// typed (the error is a notification), so nothing is lost.

import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';

export function ProjectNameModal({ opened, title, submitLabel, initialName, onClose, onSubmit }: {
  opened: boolean;
  title: string;
  submitLabel: string;
  initialName: string;
  onClose(): void;
  /** resolves true when saved (the modal closes), false to stay open */
  onSubmit(name: string): Promise<boolean>;
}) {
  const [name, setName] = useState(initialName);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (opened) setName(initialName);
  }, [opened, initialName]);

  const trimmed = name.trim();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed || busy) return;
    setBusy(true);
    const done = await onSubmit(trimmed);
    setBusy(false);
    if (done) onClose();
  };

  return (
    <Modal opened={opened} onClose={onClose} title={title} closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="Project name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            required
            maxLength={200}
            error={name !== '' && !trimmed ? 'The name cannot be only spaces' : undefined}
          />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={busy} disabled={!trimmed}>{submitLabel}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
