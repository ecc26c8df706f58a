// The workspace's top line: back to the library, previous/next image, what is open (for a series:
// its description, modality, slice count and voxel spacing) and its state, the label being edited,
// Accept.

import { Badge, Button, Group, Select, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconChevronLeft, IconChevronRight, IconX } from '@tabler/icons-react';
import type { ImageSummary, LabelInfo } from '../../../../main/contract/contract.ts';
import { spacingText } from '../../library/spacing.ts';
import { StatusBadge } from '../../library/StatusBadge.tsx';
import { workspaceActions, type WorkspaceCommands } from '../actions.ts';
import { ActionButton } from './ActionButton.tsx';

export function WorkspaceHeader({ image, status, unsaved, labels, labelId, onLabel, commands, onClose, saving, canAccept, extra }: {
  image: ImageSummary;
  status: ImageSummary['status'];
  unsaved: boolean;
  labels: LabelInfo[];
  labelId: number | null;
  onLabel(labelId: number | null): void;
  commands: WorkspaceCommands;
  onClose(): void;
  saving: boolean;
  canAccept: boolean;
  /** more actions before the label ("Next suggested") */
  extra?: React.ReactNode;
}) {
  return (
    <Group gap="xs" px="sm" py={6} wrap="nowrap" style={{ borderBottom: '1px solid var(--mantine-color-dark-4)' }}>
      <Tooltip label="Close image">
        <Button variant="subtle" size="compact-sm" aria-label="Close image" onClick={onClose} leftSection={<IconX size={14} />}>
          Library
        </Button>
      </Tooltip>
      <ActionButton id="image.previous" icon={IconChevronLeft} commands={commands} />
      <ActionButton id="image.next" icon={IconChevronRight} commands={commands} />
      <Text fw={600} size="sm" truncate style={{ minWidth: 0 }} title={image.fileName}>
        {image.fileName}
      </Text>
      {image.seriesDescription && image.seriesDescription !== image.fileName && (
        <Text size="xs" truncate style={{ minWidth: 0 }} title="Series description">
          {image.seriesDescription}
        </Text>
      )}
      <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }} title="columns × rows · modality · slices · voxel spacing (row × column × slice)">
        {imageFacts(image)}
      </Text>
      <StatusBadge status={status} size="sm" />
      {unsaved && (
        <Badge variant="dot" color="yellow" tt="none" aria-live="polite">
          Unsaved changes
        </Badge>
      )}
      <Group gap="xs" ml="auto" wrap="nowrap">
        {extra}
        <Select
          aria-label="Label"
          placeholder="Label"
          size="xs"
          w={160}
          data={[...labels.map((l) => ({ value: String(l.id), label: l.name })), { value: 'none', label: 'No label' }]}
          value={labelId === null ? 'none' : String(labelId)}
          onChange={(v) => v && onLabel(v === 'none' ? null : Number(v))}
          allowDeselect={false}
        />
        <Tooltip label={workspaceActions.title('accept')}>
          <Button leftSection={<IconCheck size={14} />} onClick={() => commands.accept()} loading={saving} disabled={!canAccept} aria-label="Accept">
            Accept
          </Button>
        </Tooltip>
      </Group>
    </Group>
  );
}

/** "48×40 · CT · 8 slices · 0.7 × 0.8 × 2.5 mm" (row × column × slice spacing); parts the file does not give are left out. */
export function imageFacts(image: Pick<ImageSummary, 'width' | 'height' | 'modality' | 'frames' | 'pixelSpacing' | 'sliceSpacing'>): string {
  const spacing = spacingText(image);
  return [`${image.width}×${image.height}`, image.modality, image.frames > 1 ? `${image.frames} slices` : null, spacing].filter(Boolean).join(' · ');
}
