// The settings drawer's C-STORE listener: off by default. When on, Delineate accepts studies a PACS
// sends to its AE title on the chosen interface and port, from allowed calling AE titles (and
// addresses) only, and imports each into the inbox project. Its state line says whether it listens.

import { Alert, Button, Group, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import type { PacsListenerState } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

const list = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

export function PacsListenerSettings({ active }: { active: boolean }) {
  const call = useApiCall();
  const [state, setState] = useState<PacsListenerState | null>(null);
  const [enabled, setEnabled] = useState(false);
  const [aeTitle, setAeTitle] = useState('DELINEATE');
  const [host, setHost] = useState('127.0.0.1');
  const [port, setPort] = useState('11112');
  const [allowedAe, setAllowedAe] = useState('');
  const [allowedHosts, setAllowedHosts] = useState('');
  const [inbox, setInbox] = useState('PACS inbox');
  const [saving, setSaving] = useState(false);

  const show = (s: PacsListenerState) => {
    setState(s);
    setEnabled(s.settings.enabled);
    setAeTitle(s.settings.aeTitle);
    setHost(s.settings.host);
    setPort(String(s.settings.port));
    setAllowedAe(s.settings.allowedAeTitles.join(', '));
    setAllowedHosts(s.settings.allowedHosts.join(', '));
    setInbox(s.settings.inboxProject);
  };
  useEffect(() => {
    if (!active) return;
    void call('Read the PACS listener settings', () => getApi().getPacsListener()).then((r) => r.ok && show(r.value));
  }, [active, call]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const r = await call('Save the PACS listener settings', () => getApi().savePacsListener({
      enabled, aeTitle, host, port: Number(port), allowedAeTitles: list(allowedAe), allowedHosts: list(allowedHosts), inboxProject: inbox,
    }));
    setSaving(false);
    if (r.ok) show(r.value);
  };

  if (!state) return null;
  const status = state.listeningOn != null
    ? `Listening as ${state.settings.aeTitle} on ${state.settings.host}:${state.listeningOn}.`
    : state.error ?? 'Off: Delineate receives nothing.';
  return (
    <form onSubmit={save} aria-label="PACS listener">
      <Stack gap={8}>
        <Title order={4} size="h6">Receive from PACS (C-STORE)</Title>
        <Text size="xs" c="dimmed">
          A PACS can send studies to Delineate as to a workstation. Only the AE titles (and addresses) you allow may send; received
          series are imported into the inbox project.
        </Text>
        <Switch label="Listen for studies sent by a PACS" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <Group gap={6} grow>
          <TextInput label="Our AE title" value={aeTitle} onChange={(e) => setAeTitle(e.currentTarget.value)} maxLength={16} required />
          <TextInput label="Listen on interface" description="127.0.0.1: this computer only" value={host} onChange={(e) => setHost(e.currentTarget.value)} required />
          <TextInput label="Listen on port" value={port} onChange={(e) => setPort(e.currentTarget.value)} inputMode="numeric" required />
        </Group>
        <TextInput label="Allowed calling AE titles" description="Comma-separated; nobody else may send" value={allowedAe} onChange={(e) => setAllowedAe(e.currentTarget.value)} />
        <TextInput label="Allowed sender addresses" description="Comma-separated IP addresses; empty: any address" value={allowedHosts} onChange={(e) => setAllowedHosts(e.currentTarget.value)} />
        <TextInput label="Inbox project" value={inbox} onChange={(e) => setInbox(e.currentTarget.value)} required />
        <Alert role="status" aria-label="PACS listener state" color={state.listeningOn != null ? 'green' : state.error ? 'red' : 'gray'} variant="light" p={6} styles={{ message: { fontSize: 'var(--mantine-font-size-xs)' } }}>
          {status}
        </Alert>
        <Group justify="flex-end">
          <Button type="submit" size="xs" loading={saving}>Save listener settings</Button>
        </Group>
      </Stack>
    </form>
  );
}
