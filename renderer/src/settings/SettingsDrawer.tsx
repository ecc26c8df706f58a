// What the app runs with: data folder, model, providers, and how to get the real model when the
// bundled demo model (or none) is in use; the inference precision (PrecisionSetting.tsx); the PACS
// connections (pacs/PacsSettings.tsx).

import { Alert, Badge, Code, Drawer, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { AppInfo } from '../api/api.ts';
import { formatBytes } from '../lib/format.ts';
import { PacsSettings } from '../pacs/PacsSettings.tsx';
import { PacsListenerSettings } from '../pacs/PacsListenerSettings.tsx';
import { PrecisionSetting } from './PrecisionSetting.tsx';

const SOURCE_NAMES: Record<string, string> = { installed: 'installed in the data folder', folder: 'folder given at start-up', demo: 'bundled demo model' };

export function SettingsDrawer({ opened, onClose, info }: { opened: boolean; onClose(): void; info: AppInfo | null }) {
  return (
    <Drawer opened={opened} onClose={onClose} position="right" size="md" title="Settings and status" closeButtonProps={{ 'aria-label': 'Close settings' }}>
      {!info ? (
        <Text size="sm" c="dimmed">Reading the app's status…</Text>
      ) : (
        <Stack gap="md">
          <Table aria-label="App status" withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={130}>Version</Table.Th>
                <Table.Td>{info.version}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Data folder</Table.Th>
                <Table.Td><Code style={{ wordBreak: 'break-all' }}>{info.dataDir}</Code></Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Model</Table.Th>
                <Table.Td>
                  {info.model ? (
                    <Stack gap={2}>
                      <Text size="sm">{info.model.name}</Text>
                      <Text size="xs" c="dimmed">{[info.model.source ? SOURCE_NAMES[info.model.source] ?? info.model.source : null, formatBytes(info.model.size)].filter(Boolean).join(' · ')}</Text>
                      <Code fz={10} style={{ wordBreak: 'break-all' }}>{info.model.id}</Code>
                    </Stack>
                  ) : (
                    <Text size="sm" c="red.4">No model installed</Text>
                  )}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Providers</Table.Th>
                <Table.Td>
                  <Group gap={4}>
                    {info.providers.map((p, i) => <Badge key={p} variant={i === 0 ? 'filled' : 'outline'} color={p === 'cpu' ? 'gray' : 'accent'}>{p}</Badge>)}
                  </Group>
                  <Text size="xs" c="dimmed" mt={4}>{info.gpu ? 'A GPU provider is available: adapting uses dense adapters (DA) by default.' : 'CPU only: adapting uses shallow adapters (SA) by default, which train fast on a CPU.'}</Text>
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          {(info.demo || !info.model) && <InstallModelHelp dataDir={info.dataDir} demo={info.demo} />}
          {info.model && <PrecisionSetting active={opened} />}
          <PacsSettings active={opened} />
          <PacsListenerSettings active={opened} />
          <Stack gap={4}>
            <Title order={4} size="h6">Privacy</Title>
            <Text size="xs" c="dimmed">
              Everything stays in the data folder on this computer; Delineate makes no network calls except to a PACS you add
              above. Adapters are derived from
              your images: treat adapter files as confidential to your site.
            </Text>
          </Stack>
        </Stack>
      )}
    </Drawer>
  );
}

function InstallModelHelp({ dataDir, demo }: { dataDir: string; demo: boolean }) {
  const data = /\s/.test(dataDir) ? `"${dataDir}"` : dataDir;
  return (
    <Alert color="yellow" variant="light" title={demo ? 'You are using the demo model' : 'No model installed'}>
      <Stack gap={6}>
        <Text size="xs">
          {demo
            ? 'The bundled demo model is tiny and only shows how the app works: its masks are not meaningful on real images.'
            : 'Previews and adapting need the CLIPSeg model.'}{' '}
          Install the real model (CIDAS/clipseg-rd64-refined, about 600 MB) once, then restart Delineate:
        </Text>
        <Text size="xs" fw={600}>From a computer with internet access (the only download Delineate ever makes):</Text>
        <Code block fz={11}>{`npx delineate model download --data ${data}`}</Code>
        <Text size="xs" fw={600}>Or from a local copy of the Hugging Face folder (config.json, model.safetensors, tokenizer files):</Text>
        <Code block fz={11}>{`npx delineate model import /path/to/clipseg-rd64-refined --data ${data}`}</Code>
      </Stack>
    </Alert>
  );
}
