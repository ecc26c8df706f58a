// Export the project's masks: format, which masks, output folder; then the export job's progress
// and where the files went. Reopened after an export, it suggests the next free folder beside the
// last one (an export needs a new or empty folder, and the last one is full now).

import { Button, Code, Group, Modal, NativeSelect, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import type { ExportFormat } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { FolderChooser } from '../folders/FolderChooser.tsx';
import { JobProgress } from '../jobs/JobProgress.tsx';
import { useJob, useJobs } from '../jobs/jobs-context.ts';
import { EXPORT_FORMATS, EXPORT_KINDS } from '../lib/export-options.ts';
import { isActive } from '../lib/jobs-state.ts';
import { nextFreeFolder, splitFolder } from './next-folder.ts';

export function ExportDialog({ opened, onClose, projectId, projectName }: { opened: boolean; onClose(): void; projectId: number; projectName: string }) {
  const call = useApiCall();
  const { track } = useJobs();
  const [format, setFormat] = useState<ExportFormat>('png');
  const [kind, setKind] = useState<'corrected' | 'model'>('corrected');
  const [outDir, setOutDir] = useState('');
  const [starting, setStarting] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const running = job != null && isActive(job);
  const dir = outDir.trim();

  // A picked folder gets a sub-folder named after the project: the export needs a new or empty one.
  const subfolder = projectName.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'export';
  const withSubfolder = (p: string) => `${p.replace(/[\\/]+$/, '')}${p.includes('\\') && !p.includes('/') ? '\\' : '/'}${subfolder}-${format.replace('.', '-')}`;

  useEffect(() => {
    if (!opened || !job || isActive(job)) return;
    setJobId(null); // a new export starts from a clean dialog
    const result = job.result as { dir?: unknown } | null;
    const used = job.state === 'done' ? (typeof result?.dir === 'string' ? result.dir : dir) : '';
    if (!used) return;
    let live = true;
    const { parent, name } = splitFolder(used);
    const suggest = (taken: string[]) => live && setOutDir(nextFreeFolder(used, [name, ...taken]));
    getApi()
      .listDir({ path: parent })
      .then((r) => suggest(r.ok ? r.value.entries.map((e) => e.name) : []), () => suggest([]));
    return () => {
      live = false;
    };
  }, [opened]);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (!dir || running) return;
    setStarting(true);
    const r = await call('Export', () => getApi().exportMasks({ projectId, outDir: dir, format, kind }));
    setStarting(false);
    if (!r.ok) return; // every choice stays as it was
    track(r.value);
    setJobId(r.value.id);
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Export masks" size="lg" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <form onSubmit={start}>
        <Stack gap="sm">
          <NativeSelect
            label="Format"
            value={format}
            onChange={(e) => setFormat(e.currentTarget.value as ExportFormat)}
            data={EXPORT_FORMATS.map((f) => ({ value: f.value, label: f.label }))}
            description={EXPORT_FORMATS.find((f) => f.value === format)?.description}
          />
          <Radio.Group label="Masks" size="xs" value={kind} onChange={(v) => setKind(v as 'corrected' | 'model')} description="Images without such a mask are left out (listed in the job log).">
            <Group gap="md" mt={4}>
              {EXPORT_KINDS.map((k) => <Radio key={k.value} value={k.value} label={k.label} size="xs" />)}
            </Group>
          </Radio.Group>
          <TextInput
            label="Output folder"
            description="A new or empty folder; file names come from internal ids only, never from patient data."
            placeholder={navigator.platform.startsWith('Win') ? 'D:\\exports\\polyps' : '/data/exports/polyps'}
            value={outDir}
            onChange={(e) => setOutDir(e.currentTarget.value)}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <FolderChooser startPath={dir} pickLabel="Export into a new folder here" onPick={(p) => setOutDir(withSubfolder(p))} closeOnPick={false} />
          {job && <JobProgress job={job} hideResult />}
          {job?.state === 'done' && <ResultPath result={job.result} />}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>Done</Button>
            <Button type="submit" loading={starting} disabled={!dir || running}>Start export</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ResultPath({ result }: { result: unknown }) {
  const r = (result && typeof result === 'object' ? result : {}) as { dir?: unknown; masks?: unknown; files?: unknown; skipped?: unknown };
  if (typeof r.dir !== 'string') return null;
  const count = (v: unknown, one: string) => (typeof v === 'number' ? `${v.toLocaleString('en-US')} ${one}${v === 1 ? '' : 's'}` : null);
  const what = [count(r.masks, 'mask'), count(r.files, 'file')].filter(Boolean).join(' in ');
  const skipped = typeof r.skipped === 'number' && r.skipped > 0 ? ` (${r.skipped} skipped, see the job's log)` : '';
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed">{what ? `Exported ${what}${skipped} to` : 'Exported to'}</Text>
      <Code block aria-label="Export folder" style={{ wordBreak: 'break-all' }}>{r.dir}</Code>
    </Stack>
  );
}
