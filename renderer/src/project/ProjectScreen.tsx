// An open project: side bar (sections, Import, Export) and the section in the main area — the
// library, or the workspace when an image is open; training; adapter versions.

import { AppShell, Box, Tabs } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { ImageSummary, JobInfo, ProjectSummary } from '../../../main/contract/contract.ts';
import type { AppInfo } from '../api/api.ts';
import { AdaptPanel } from '../adapt/AdaptPanel.tsx';
import type { Adapters } from '../adapt/useAdapters.ts';
import { AdapterVersions } from '../adapters/AdapterVersions.tsx';
import { ExportDialog } from '../export/ExportDialog.tsx';
import { ImportDialog } from '../import/ImportDialog.tsx';
import { useJobEnded } from '../jobs/jobs-context.ts';
import { Library } from '../library/Library.tsx';
import { OpenFromPacsDialog } from '../pacs/OpenFromPacsDialog.tsx';
import { SendToPacsDialog } from '../pacs/SendToPacsDialog.tsx';
import { useLibraryView } from '../library/useLibraryView.ts';
import { neighbourIndex } from '../lib/navigation.ts';
import { Workspace } from '../workspace/Workspace.tsx';
import { ProjectNavbar, type Section } from './ProjectNavbar.tsx';
import { useLabels } from './useLabels.ts';

export function ProjectScreen({ project, info, adapters, onProjectChanged, onFocusMode }: {
  project: ProjectSummary;
  info: AppInfo | null;
  adapters: Adapters;
  /** counts changed (imports, saved masks): reload the project list */
  onProjectChanged(): void;
  /** the workspace is open: the shell hides the side bar */
  onFocusMode(on: boolean): void;
}) {
  const [section, setSection] = useState<Section>('library');
  const [version, setVersion] = useState(0);
  const [importOpen, setImportOpen] = useState(false);
  const [exportOpen, setExportOpen] = useState(false);
  const [pacsOpen, setPacsOpen] = useState<'pull' | 'push' | null>(null);
  const [open, setOpen] = useState<{ index: number; image: ImageSummary; frame?: { frame: number } } | null>(null);
  // after the workspace closes, the grid takes the keyboard focus back
  const [returned, setReturned] = useState(false);
  const view = useLibraryView(project.id, version);
  const labels = useLabels(project.id, version);
  const refresh = useCallback(() => {
    setVersion((v) => v + 1);
    onProjectChanged();
  }, [onProjectChanged]);

  useJobEnded((j: JobInfo) => j.projectId === project.id && (j.kind === 'import' || j.kind === 'segment-batch'), refresh);
  useJobEnded((j: JobInfo) => j.projectId === project.id && j.kind === 'adapt', () => {
    void adapters.reload();
  });
  useEffect(() => {
    onFocusMode(open != null);
  }, [open, onFocusMode]);
  useEffect(() => () => onFocusMode(false), [onFocusMode]);

  const openImage = useCallback((index: number, image: ImageSummary) => setOpen({ index, image }), []);
  // "Next suggested": its place in the library is unknown, so next/previous continue from where the user was
  const openAt = useCallback((image: ImageSummary, frame: number) => setOpen((o) => ({ index: o?.index ?? 0, image, frame: { frame } })), []);
  const close = useCallback(() => {
    if (open) view.setActive(open.index);
    setOpen(null);
    setReturned(true);
  }, [open, view]);
  const navigate = useCallback(async (delta: -1 | 1) => {
    if (!open) return;
    const { pages } = view;
    await pages.fetchAt(open.index); // the page around it, as the list is now
    const target = neighbourIndex(open.image.id, open.index, delta, (i) => pages.item(i)?.id, pages.total ?? 0);
    if (target == null) return;
    const image = await pages.fetchAt(target);
    if (image) setOpen({ index: target, image });
  }, [open, view]);

  return (
    <Tabs value={section} onChange={(v) => v && setSection(v as Section)} orientation="vertical" keepMounted={false} variant="pills" activateTabWithKeyboard styles={{ root: { display: 'block' }, tab: { justifyContent: 'flex-start' }, tabLabel: { textAlign: 'left', flex: 'none' } }}>
      <AppShell.Navbar p="xs">
        <ProjectNavbar project={project} onImport={() => setImportOpen(true)} onExport={() => setExportOpen(true)} onOpenFromPacs={() => setPacsOpen('pull')} onSendToPacs={() => setPacsOpen('push')} />
      </AppShell.Navbar>
      <AppShell.Main h="100dvh" style={{ display: 'flex', flexDirection: 'column' }}>
        <Box style={{ flex: 1, minHeight: 0 }}>
          <Tabs.Panel value="library" h="100%">
            {open ? (
              <Workspace
                projectId={project.id}
                image={open.image}
                labels={labels}
                onNavigate={(d: -1 | 1) => void navigate(d)}
                onClose={close}
                onSaved={refresh}
                onOpenAt={openAt}
                frameRequest={open.frame ?? null}
              />
            ) : (
              <Library view={view} onOpen={openImage} focusGrid={returned} />
            )}
          </Tabs.Panel>
          <Tabs.Panel value="adapt" h="100%" style={{ overflowY: 'auto' }}>
            <AdaptPanel projectId={project.id} correctedMasks={project.correctedMasks} named={project.namedCorrections} adapters={adapters} info={info} />
          </Tabs.Panel>
          <Tabs.Panel value="adapters" h="100%" style={{ overflowY: 'auto' }}>
            <AdapterVersions projectId={project.id} adapters={adapters} />
          </Tabs.Panel>
        </Box>
      </AppShell.Main>
      <ImportDialog opened={importOpen} onClose={() => setImportOpen(false)} projectId={project.id} />
      <OpenFromPacsDialog opened={pacsOpen === 'pull'} onClose={() => setPacsOpen(null)} projectId={project.id} />
      <SendToPacsDialog opened={pacsOpen === 'push'} onClose={() => setPacsOpen(null)} projectId={project.id} />
      <ExportDialog opened={exportOpen} onClose={() => setExportOpen(false)} projectId={project.id} projectName={project.name} />
    </Tabs>
  );
}
