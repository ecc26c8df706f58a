// Import an adapter pack from another site (or a reference-trainer safetensors file): a file or a
// folder by path (native folder dialog in the desktop app, the folder browser on the web), the
// packs found there with their provenance or why each would be refused, and the scope. The
// imported adapter stays inactive until activated in the table.

import { Alert, Badge, Button, Group, Modal, Paper, Radio, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { IconPackageImport, IconSearch } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import type { AdapterInfo, AdapterPackCandidate } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { FolderChooser } from '../folders/FolderChooser.tsx';
import { describePack } from './pack-origin.ts';

export function ImportPackDialog({ projectId, onClose, onImported }: { projectId: number; onClose(): void; onImported(a: AdapterInfo): void }) {
  const call = useApiCall();
  const [path, setPath] = useState('');
  const [looking, setLooking] = useState(false);
  const [candidates, setCandidates] = useState<AdapterPackCandidate[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [scope, setScope] = useState<'project' | 'site'>('project');
  const [importing, setImporting] = useState(false);

  const look = async (where: string) => {
    const p = where.trim();
    if (!p) return;
    setPath(p);
    setLooking(true);
    const r = await call('Look for packs', () => getApi().inspectAdapterPacks({ path: p }));
    setLooking(false);
    if (!r.ok) return;
    setCandidates(r.value);
    const usable = r.value.filter((c) => c.problem === null);
    setChosen(usable.length === 1 ? usable[0].path : null);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen || importing) return;
    setImporting(true);
    const r = await call('Import pack', () => getApi().importAdapterPack({ path: chosen, projectId, siteWide: scope === 'site' }));
    setImporting(false);
    if (r.ok) onImported(r.value);
  };

  return (
    <Modal opened onClose={onClose} title="Import adapter pack" size="lg" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text size="xs" c="dimmed">
            A .dlad pack exported by another Delineate, or a .safetensors file from the VLSM-Adapter reference trainer (scripts/ckpt_to_adapter.py).
            It must have been made for the model installed here. It arrives inactive: compare it, then activate it.
          </Text>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <TextInput
              style={{ flex: 1 }}
              label="Pack file or folder"
              placeholder={navigator.platform.startsWith('Win') ? 'D:\\shared\\adapters' : '/data/shared/adapters'}
              value={path}
              onChange={(e) => setPath(e.currentTarget.value)}
              onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void look(path); } }}
              data-autofocus
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
            <Button variant="default" leftSection={<IconSearch size={14} />} onClick={() => look(path)} loading={looking} disabled={!path.trim()}>Look for packs</Button>
          </Group>
          <FolderChooser startPath={path} pickLabel="Look for packs here" onPick={look} />
          {candidates && candidates.length === 0 && <Alert color="yellow" title="No packs there">That folder holds no .dlad or .safetensors files.</Alert>}
          {candidates && candidates.length > 0 && (
            <Radio.Group value={chosen} onChange={setChosen} label="Packs found" aria-label="Packs found">
              <Stack gap={6} mt={4}>
                {candidates.map((c) => (
                  <Paper key={c.path} withBorder p="xs">
                    <Radio
                      value={c.path}
                      disabled={c.problem !== null}
                      aria-label={c.fileName}
                      label={(
                        <Stack gap={2}>
                          <Group gap={6}>
                            <Text size="sm" fw={600}>{c.info?.name ?? c.fileName}</Text>
                            {c.info && <Badge variant="outline" color="gray" tt="uppercase">{c.info.variant}</Badge>}
                            {c.info?.kind === 'reference' && <Badge variant="light" color="grape">reference trainer</Badge>}
                            <Text size="xs" c="dimmed">{c.fileName}</Text>
                          </Group>
                          {c.info && describePack(c.info).map((line) => <Text key={line} size="xs">{line}</Text>)}
                          {c.problem && <Text size="xs" c="red" style={{ whiteSpace: 'pre-wrap' }}>{c.problem}</Text>}
                        </Stack>
                      )}
                    />
                  </Paper>
                ))}
              </Stack>
            </Radio.Group>
          )}
          <Stack gap={4}>
            <Text size="sm" fw={500}>Use it for</Text>
            <SegmentedControl value={scope} onChange={(v) => setScope(v as 'project' | 'site')} data={[{ value: 'project', label: 'This project' }, { value: 'site', label: 'All projects (site-wide)' }]} aria-label="Use it for" />
          </Stack>
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" leftSection={<IconPackageImport size={14} />} loading={importing} disabled={!chosen}>Import</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
