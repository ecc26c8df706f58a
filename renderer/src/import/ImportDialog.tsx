// Import images into the project: folders or files by path (native dialog in the desktop app, a
// folder browser on the web), then the import job's progress in place, and at its end each file
// it could not read, with the reason and a next step.

import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { IconFolderPlus } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';
import { FolderBrowser } from '../folders/FolderBrowser.tsx';
import { usePickFolder } from '../folders/usePickFolder.ts';
import { JobProgress } from '../jobs/JobProgress.tsx';
import { useJob, useJobs } from '../jobs/jobs-context.ts';
import { isActive } from '../lib/jobs-state.ts';
import { ImportFailures } from './ImportFailures.tsx';

export function ImportDialog({ opened, onClose, projectId }: { opened: boolean; onClose(): void; projectId: number }) {
  const call = useApiCall();
  const { track } = useJobs();
  const folder = usePickFolder();
  const [pathsText, setPathsText] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const [starting, setStarting] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const running = job != null && isActive(job);
  const paths = pathsText.split('\n').map((p) => p.trim()).filter(Boolean);

  const addPath = (p: string) => setPathsText((text) => (text.split('\n').map((l) => l.trim()).includes(p) ? text : `${text.trimEnd()}${text.trim() ? '\n' : ''}${p}`));
  const chooseNative = async () => {
    const p = await folder.pick();
    if (p) addPath(p);
  };
  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (paths.length === 0 || running) return;
    setStarting(true);
    const r = await call('Import', () => getApi().importPaths({ projectId, paths }));
    setStarting(false);
    if (!r.ok) return; // the paths stay as typed
    track(r.value);
    setJobId(r.value.id);
    setBrowsing(false);
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Import images" size="lg" closeButtonProps={{ 'aria-label': 'Close dialog' }}>
      <form onSubmit={start}>
        <Stack gap="sm">
          <Text size="xs" c="dimmed">
            PNG, JPEG, DICOM (also multi-frame) and NIfTI files, folders of them (searched recursively), and MedVLSM dataset folders
            (their masks come in as corrected masks). Images stay where they are; Delineate remembers their path and content.
          </Text>
          <Textarea
            label="Paths to import"
            description="One folder or file per line, as absolute paths"
            placeholder={navigator.platform.startsWith('Win') ? 'D:\\scans\\colonoscopy' : '/data/scans/colonoscopy'}
            value={pathsText}
            onChange={(e) => setPathsText(e.currentTarget.value)}
            autosize
            minRows={2}
            maxRows={6}
            data-autofocus
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <Group gap="xs">
            {folder.native ? (
              <Button variant="default" leftSection={<IconFolderPlus size={14} />} onClick={chooseNative}>Choose folder…</Button>
            ) : (
              <Button variant="default" leftSection={<IconFolderPlus size={14} />} onClick={() => setBrowsing((b) => !b)} aria-expanded={browsing}>
                {browsing ? 'Hide folder browser' : 'Browse folders…'}
              </Button>
            )}
          </Group>
          {browsing && !folder.native && <FolderBrowser pickFolderLabel="Add this folder" onPickFolder={addPath} onPickFile={addPath} />}
          {job && <JobProgress job={job} />}
          {job?.state === 'done' && <ImportFailures result={job.result} />}
          {running && <Text size="xs" c="dimmed">The import goes on when this dialog is closed; the Jobs panel shows it.</Text>}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>Done</Button>
            <Button type="submit" loading={starting} disabled={paths.length === 0 || running}>Start import</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
