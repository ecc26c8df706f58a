// The open project's side bar: its sections (tabs), Import and Export (from files, and from and to
// the PACS: pacs/), and its counts.

import { Button, Divider, Stack, Tabs, Text } from '@mantine/core';
import { IconBrain, IconCloudDownload, IconCloudUpload, IconFileExport, IconFileImport, IconHistory, IconPhoto } from '@tabler/icons-react';
import type { ProjectSummary } from '../../../main/contract/contract.ts';
import { plural } from '../lib/format.ts';

export type Section = 'library' | 'adapt' | 'adapters';

export function ProjectNavbar({ project, onImport, onExport, onOpenFromPacs, onSendToPacs }: {
  project: ProjectSummary;
  onImport(): void;
  onExport(): void;
  onOpenFromPacs(): void;
  onSendToPacs(): void;
}) {
  return (
    <Stack gap="sm" h="100%">
      <Tabs.List aria-label="Project sections" grow={false}>
        <Tabs.Tab value="library" leftSection={<IconPhoto size={16} />}>Library</Tabs.Tab>
        <Tabs.Tab value="adapt" leftSection={<IconBrain size={16} />}>Training</Tabs.Tab>
        <Tabs.Tab value="adapters" leftSection={<IconHistory size={16} />}>Adapter versions</Tabs.Tab>
      </Tabs.List>
      <Divider />
      <Stack gap={6}>
        <Button variant="light" leftSection={<IconFileImport size={14} />} onClick={onImport} justify="flex-start">Import</Button>
        <Button variant="light" leftSection={<IconCloudDownload size={14} />} onClick={onOpenFromPacs} justify="flex-start">Open from PACS</Button>
        <Button variant="default" leftSection={<IconFileExport size={14} />} onClick={onExport} justify="flex-start">Export</Button>
        <Button variant="default" leftSection={<IconCloudUpload size={14} />} onClick={onSendToPacs} justify="flex-start">Send masks to PACS</Button>
      </Stack>
      <Stack gap={0} mt="auto">
        <Text size="xs" c="dimmed">{plural(project.images, 'image')}</Text>
        <Text size="xs" c="dimmed" title="Counted per image, label and slice: an image with three labelled structures has three">{plural(project.correctedMasks, 'corrected mask')}</Text>
      </Stack>
    </Stack>
  );
}
