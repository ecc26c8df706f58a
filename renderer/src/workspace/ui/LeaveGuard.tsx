// Asked before leaving an image with unsaved edits: save them, discard them, or stay.

import { Alert, Button, Group, Modal, Text } from '@mantine/core';

export function LeaveGuard({ opened, fileName, count, saving, error, onSave, onDiscard, onStay }: {
  opened: boolean;
  fileName: string;
  /** masks (slices × labels) with unsaved edits */
  count: number;
  saving: boolean;
  error: string | null;
  onSave(): void;
  onDiscard(): void;
  onStay(): void;
}) {
  return (
    <Modal opened={opened} onClose={onStay} title="Unsaved changes">
      <Text size="sm">
        {fileName} has unsaved edits{count > 1 ? ` on ${count} masks` : ''}. Save them as corrected masks before leaving?
      </Text>
      {error && (
        <Alert color="red" mt="sm" title="Saving failed">
          {error}
        </Alert>
      )}
      <Group justify="flex-end" mt="md" gap="xs">
        <Button variant="subtle" onClick={onStay}>
          Keep editing
        </Button>
        <Button variant="light" color="red" onClick={onDiscard}>
          Discard changes
        </Button>
        <Button onClick={onSave} loading={saving} data-autofocus>
          Save and continue
        </Button>
      </Group>
    </Modal>
  );
}
