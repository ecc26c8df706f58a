// Export one adapter as a pack (.dlad) to give another site: a folder (native dialog in the
// desktop app, the folder browser on the web), a file name, an optional note; then where it went.

import { Alert, Button, Code, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { IconPackageExport } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import type { AdapterInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { FolderChooser } from '../folders/FolderChooser.tsx';
import { formatBytes } from '../lib/format.ts';
import { packFileName, joinPath } from './pack-paths.ts';

export function ExportPackDialog({ adapter, onClose }: { adapter: AdapterInfo; onClose(): void }) {
  const call = useApiCall();
  const [dir, setDir] = useState('');
  const [fileName, setFileName] = useState(() => packFileName(adapter.name));
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ path: string; bytes: number } | null>(null);
  const outPath = dir.trim() && fileName.trim() ? joinPath(dir.trim(), fileName.trim()) : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!outPath || busy) return;
    setBusy(true);
    const r = await call('Export pack', () => getApi().exportAdapterPack({ adapterId: adapter.id, outPath, note: note.trim() || null }));
    setBusy(false);
    if (r.ok) {
      setDone(r.value);
    }
  };

  return (
    <Modal opened onClose={onClose} title={`Export pack: ${adapter.name}`} size="lg" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text size="xs" c="dimmed">
            One file another site can import: the adapter's weights, its variant, the base model's checksum, the label names and prompts,
            the training recipe, how many corrections it learnt from and its held-out scores. No image, mask, file name or patient data.
          </Text>
          <TextInput
            label="Folder"
            placeholder={navigator.platform.startsWith('Win') ? 'D:\\shared\\adapters' : '/data/shared/adapters'}
            value={dir}
            onChange={(e) => setDir(e.currentTarget.value)}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <FolderChooser startPath={dir} pickLabel="Save the pack here" onPick={setDir} />
          <TextInput label="File name" value={fileName} onChange={(e) => setFileName(e.currentTarget.value)} description="A new file; an existing one is never overwritten." />
          <Textarea
            label="Note for the receiving site (optional)"
            description="Free text travels with the pack: describe the data (scanner, protocol, population), never a patient."
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            autosize
            minRows={2}
            maxRows={5}
          />
          {done && (
            <Alert color="green" title="Pack written" aria-label="Pack written">
              <Code block style={{ wordBreak: 'break-all' }}>{done.path}</Code>
              <Text size="xs" mt={4}>{formatBytes(done.bytes)}</Text>
            </Alert>
          )}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>{done ? 'Done' : 'Cancel'}</Button>
            <Button type="submit" leftSection={<IconPackageExport size={14} />} loading={busy} disabled={!outPath || done != null}>Export pack</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
