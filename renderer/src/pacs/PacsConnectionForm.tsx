// Adding or editing one PACS connection. The password or token field is never prefilled: the core
// never sends a stored secret back, and leaving the field empty keeps the stored one.

import { Button, Group, NativeSelect, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { PacsConnectionInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

type Auth = PacsConnectionInfo['auth'];

const AUTH_OPTIONS: { value: Auth; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'basic', label: 'User name and password (basic)' },
  { value: 'bearer', label: 'Token (bearer)' },
];

export function PacsConnectionForm({ initial, onSaved, onCancel }: {
  /** the connection edited; null: a new one */
  initial: PacsConnectionInfo | null;
  onSaved(saved: PacsConnectionInfo): void;
  onCancel(): void;
}) {
  const call = useApiCall();
  const [name, setName] = useState(initial?.name ?? '');
  const [url, setUrl] = useState(initial?.dicomweb ?? '');
  const [auth, setAuth] = useState<Auth>(initial?.auth ?? 'basic');
  const [username, setUsername] = useState(initial?.username ?? '');
  const [secret, setSecret] = useState('');
  const [caFile, setCaFile] = useState(initial?.caFile ?? '');
  const [dimseHost, setDimseHost] = useState(initial?.dimse?.host ?? '');
  const [dimsePort, setDimsePort] = useState(String(initial?.dimse?.port ?? 104));
  const [calledAe, setCalledAe] = useState(initial?.dimse?.calledAeTitle ?? '');
  const [callingAe, setCallingAe] = useState(initial?.dimse?.callingAeTitle ?? 'DELINEATE');
  const [saving, setSaving] = useState(false);
  // a stored secret of the kind this auth needs can be kept by leaving the field empty
  const keeps = initial != null && initial.secretSet && initial.auth === auth;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const r = await call('Save PACS connection', () => getApi().savePacsConnection({
      name, dicomweb: url.trim() || null, auth,
      dimse: dimseHost.trim() ? { host: dimseHost.trim(), port: Number(dimsePort), calledAeTitle: calledAe, callingAeTitle: callingAe } : null, username: auth === 'basic' ? username : null, caFile: caFile || null,
      ...(auth === 'basic' && secret ? { password: secret } : {}), ...(auth === 'bearer' && secret ? { token: secret } : {}),
    }));
    setSaving(false);
    if (!r.ok) return; // what was typed stays
    setSecret('');
    onSaved(r.value);
  };

  const secretHelp = keeps ? 'Stored. Leave empty to keep it, or type a new one.' : 'Kept in a file only your OS user can read; never shown again.';
  return (
    <form onSubmit={save} aria-label={initial ? `Edit PACS connection ${initial.name}` : 'New PACS connection'}>
      <Stack gap={8}>
        <TextInput
          label="Connection name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          disabled={initial != null}
          description={initial ? 'To rename, add it again under the new name and remove this one.' : 'Letters, digits, spaces, ".", "_" or "-"'}
          data-autofocus
          required
        />
        <TextInput
          label="DICOMweb URL"
          description="The base of QIDO-RS, WADO-RS and STOW-RS; for Orthanc http://HOST:8042/dicom-web"
          placeholder="https://pacs.example.org/dicom-web"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          required={!dimseHost.trim()}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <NativeSelect label="Authentication" value={auth} onChange={(e) => setAuth(e.currentTarget.value as Auth)} data={AUTH_OPTIONS} />
        {auth === 'basic' && (
          <>
            <TextInput label="User name" value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="off" required />
            <PasswordInput label="Password" description={secretHelp} value={secret} onChange={(e) => setSecret(e.currentTarget.value)} autoComplete="new-password" required={!keeps} visibilityToggleButtonProps={{ 'aria-label': 'Show password' }} />
          </>
        )}
        {auth === 'bearer' && (
          <PasswordInput label="Token" description={secretHelp} value={secret} onChange={(e) => setSecret(e.currentTarget.value)} autoComplete="off" required={!keeps} visibilityToggleButtonProps={{ 'aria-label': 'Show token' }} />
        )}
        <TextInput
          label="Extra CA file (optional)"
          description="A PEM file of the site's certificate authority, trusted beside the system's, for https"
          placeholder="/etc/ssl/site-ca.pem"
          value={caFile}
          onChange={(e) => setCaFile(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <Text size="xs" fw={600} mt={4}>DIMSE (for a PACS without DICOMweb; used when no DICOMweb URL is given)</Text>
        <Group gap={6} grow>
          <TextInput label="DIMSE host" placeholder="pacs.example.org" value={dimseHost} onChange={(e) => setDimseHost(e.currentTarget.value)} />
          <TextInput label="DIMSE port" value={dimsePort} onChange={(e) => setDimsePort(e.currentTarget.value)} inputMode="numeric" required={!!dimseHost.trim()} />
        </Group>
        <Group gap={6} grow>
          <TextInput label="PACS AE title (called)" value={calledAe} onChange={(e) => setCalledAe(e.currentTarget.value)} maxLength={16} required={!!dimseHost.trim()} />
          <TextInput label="Our AE title (calling)" value={callingAe} onChange={(e) => setCallingAe(e.currentTarget.value)} maxLength={16} required={!!dimseHost.trim()} description="The PACS must know it" />
        </Group>
        <Text size="xs" c="dimmed">Saving makes no network call; use Test to check the connection.</Text>
        <Group justify="flex-end" gap="xs">
          <Button variant="default" size="xs" onClick={onCancel}>Cancel</Button>
          <Button type="submit" size="xs" loading={saving}>Save connection</Button>
        </Group>
      </Stack>
    </form>
  );
}
