// The settings drawer's PACS section: the connections (address, authentication, whether a secret
// is stored), with Add, Edit, Remove and Test; and the C-STORE listener (PacsListenerSettings). "Test" is the only thing here that reaches the
// network, and only the server of that connection; its answer says exactly what failed.

import { Alert, Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import type { PacsConnectionInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { describeError, unwrap } from '../lib/api-error.ts';
import { PacsConnectionForm } from './PacsConnectionForm.tsx';
import { usePacsConnections } from './usePacsConnections.ts';

type TestResult = { state: 'running' } | { state: 'ok'; text: string } | { state: 'failed'; text: string };

const AUTH_TEXT: Record<PacsConnectionInfo['auth'], string> = { none: 'no authentication', basic: 'basic auth', bearer: 'bearer token' };

export function PacsSettings({ active }: { active: boolean }) {
  const call = useApiCall();
  const connections = usePacsConnections(active);
  const [editing, setEditing] = useState<PacsConnectionInfo | 'new' | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult>>({});

  const test = async (name: string) => {
    setTests((t) => ({ ...t, [name]: { state: 'running' } }));
    let result: TestResult;
    try {
      const r = unwrap(await getApi().testPacsConnection({ name }));
      result = { state: 'ok', text: `Works: ${r.checked.join('; ')}.` };
    } catch (e) {
      result = { state: 'failed', text: describeError(undefined, e).message };
    }
    setTests((t) => ({ ...t, [name]: result }));
  };
  const remove = async (name: string) => {
    const r = await call('Remove PACS connection', () => getApi().removePacsConnection({ name }));
    setRemoving(null);
    if (!r.ok) return;
    setTests(({ [name]: _, ...rest }) => rest);
    await connections.reload();
  };

  const list = connections.list ?? [];
  return (
    <Stack gap={8}>
      <Group justify="space-between" gap="xs">
        <Title order={4} size="h6">PACS connections</Title>
        {editing == null && <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setEditing('new')}>Add PACS connection</Button>}
      </Group>
      <Text size="xs" c="dimmed">
        Delineate contacts a PACS only when you test it, search it, pull from it or send masks to it. Without a connection it makes no
        network call.
      </Text>
      {connections.list != null && list.length === 0 && editing == null && <Text size="sm" c="dimmed">No PACS connection yet.</Text>}
      {list.length > 0 && (
        <Stack gap={6} role="list" aria-label="PACS connections">
          {list.map((c) => {
            const t = tests[c.name];
            return (
              <Paper key={c.name} withBorder p="xs" role="listitem" aria-label={c.name}>
                <Stack gap={4}>
                  <Text size="sm" fw={600}>{c.name}</Text>
                  {c.dicomweb && <Code fz={11} style={{ wordBreak: 'break-all' }}>{c.dicomweb}</Code>}
                  {c.dimse && (
                    <Code fz={11} style={{ wordBreak: 'break-all' }}>
                      DIMSE {c.dimse.host}:{c.dimse.port} · {c.dimse.callingAeTitle} → {c.dimse.calledAeTitle}{c.dicomweb ? ' (tested; DICOMweb is used)' : ''}
                    </Code>
                  )}
                  <Text size="xs" c="dimmed">
                    {AUTH_TEXT[c.auth]}
                    {c.auth === 'basic' && c.username ? ` as ${c.username}` : ''}
                    {c.auth !== 'none' ? (c.secretSet ? ` · ${c.auth === 'basic' ? 'password' : 'token'} stored` : ` · no ${c.auth === 'basic' ? 'password' : 'token'} stored`) : ''}
                    {c.caFile ? ` · extra CA ${c.caFile}` : ''}
                  </Text>
                  <Group gap={6}>
                    <Button size="compact-xs" variant="light" loading={t?.state === 'running'} onClick={() => void test(c.name)} aria-label={`Test ${c.name}`}>Test</Button>
                    <Button size="compact-xs" variant="default" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`} disabled={editing != null}>Edit</Button>
                    {removing === c.name ? (
                      <>
                        <Button size="compact-xs" color="red" onClick={() => void remove(c.name)} aria-label={`Confirm removing ${c.name}`}>Remove it and its password</Button>
                        <Button size="compact-xs" variant="subtle" onClick={() => setRemoving(null)} aria-label={`Keep ${c.name}`}>Keep</Button>
                      </>
                    ) : (
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => setRemoving(c.name)} aria-label={`Remove ${c.name}`}>Remove</Button>
                    )}
                  </Group>
                  {t && t.state !== 'running' && (
                    <Alert role="status" aria-label={`Test result of ${c.name}`} color={t.state === 'ok' ? 'green' : 'red'} variant="light" p={6} styles={{ message: { fontSize: 'var(--mantine-font-size-xs)' } }}>
                      {t.text}
                    </Alert>
                  )}
                </Stack>
              </Paper>
            );
          })}
        </Stack>
      )}
      {editing != null && (
        <Paper withBorder p="xs">
          <PacsConnectionForm
            key={editing === 'new' ? 'new' : editing.name}
            initial={editing === 'new' ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              setTests(({ [saved.name]: _, ...rest }) => rest);
              void connections.reload();
            }}
          />
        </Paper>
      )}
    </Stack>
  );
}
