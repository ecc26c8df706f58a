// The app shell: header always; the projects screen, or the open project with its side bar;
// the jobs and settings drawers.

import { Alert, AppShell, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ProjectSummary } from '../../main/contract/contract.ts';
import { useAdapters } from './adapt/useAdapters.ts';
import type { AppInfo } from './api/api.ts';
import { useAppInfo } from './api/useAppInfo.ts';
import { JobsContext } from './jobs/jobs-context.ts';
import { JobsDrawer } from './jobs/JobsDrawer.tsx';
import { useJobEvents } from './jobs/useJobEvents.ts';
import { ProjectScreen } from './project/ProjectScreen.tsx';
import { ProjectsScreen } from './projects/ProjectsScreen.tsx';
import { useProjects } from './projects/useProjects.ts';
import { useRecentProjects } from './projects/useRecentProjects.ts';
import { SettingsDrawer } from './settings/SettingsDrawer.tsx';
import { AppHeader } from './shell/AppHeader.tsx';
import { ModelWorkNotice } from './shell/ModelWorkNotice.tsx';

export function App() {
  const jobs = useJobEvents();
  return (
    <JobsContext.Provider value={jobs}>
      <AppFrame />
    </JobsContext.Provider>
  );
}

function AppFrame() {
  const info = useAppInfo();
  const { projects, reload } = useProjects();
  const recent = useRecentProjects();
  const [projectId, setProjectId] = useState<number | null>(null);
  const [focusMode, setFocusMode] = useState(false);
  const [jobsOpen, setJobsOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const project = projects?.find((p) => p.id === projectId) ?? null;
  const adapters = useAdapters(project?.id ?? null);

  const openProject = useCallback((p: ProjectSummary) => {
    recent.opened(p.id);
    setProjectId(p.id);
  }, [recent]);

  // Once, at start: reopen the project that was open last time (if it still exists).
  const restored = useRef(false);
  useEffect(() => {
    if (!projects) return;
    recent.prune(projects.map((p) => p.id));
    if (restored.current) return;
    restored.current = true;
    const last = recent.recent[0];
    if (last && projects.some((p) => p.id === last.projectId)) setProjectId(last.projectId);
  }, [projects, recent]);

  // The open project was deleted (here or elsewhere): back to the list.
  useEffect(() => {
    if (projects && projectId != null && !projects.some((p) => p.id === projectId)) setProjectId(null);
  }, [projects, projectId]);

  const reloadQuietly = useCallback(() => void reload(), [reload]);

  return (
    <AppShell
      header={{ height: 44 }}
      navbar={{ width: 210, breakpoint: 0, collapsed: { mobile: !project || focusMode, desktop: !project || focusMode } }}
      padding="sm"
    >
      <AppShell.Header>
        <AppHeader
          project={project}
          info={info}
          activeAdapter={adapters.active}
          onProjects={() => setProjectId(null)}
          onJobs={() => setJobsOpen(true)}
          onSettings={() => setSettingsOpen(true)}
        />
      </AppShell.Header>
      {project ? (
        <ProjectScreen key={project.id} project={project} info={info} adapters={adapters} onProjectChanged={reloadQuietly} onFocusMode={setFocusMode} />
      ) : (
        <AppShell.Main>
          {info && <ModelNotice info={info} onSettings={() => setSettingsOpen(true)} />}
          <ProjectsScreen projects={projects} recent={recent.recent} onOpen={openProject} onChanged={reload} />
        </AppShell.Main>
      )}
      <JobsDrawer opened={jobsOpen} onClose={() => setJobsOpen(false)} projectId={project?.id ?? null} projects={projects ?? []} />
      <SettingsDrawer opened={settingsOpen} onClose={() => setSettingsOpen(false)} info={info} />
      {info?.model && <ModelWorkNotice />}
    </AppShell>
  );
}

/** On the projects screen: say plainly when the model is the demo one, or missing. */
function ModelNotice({ info, onSettings }: { info: AppInfo; onSettings(): void }) {
  if (info.model && !info.demo) return null;
  return (
    <Alert color="yellow" variant="light" maw={960} mx="auto" mt="md" p="xs" title={info.model ? 'Demo model' : 'No model installed'}>
      <Text size="xs">
        {info.model ? 'The bundled demo model shows how Delineate works; its masks are not meaningful on real images.' : 'Previews and adapting need the CLIPSeg model.'}{' '}
        <Text span size="xs" c="accent.4" style={{ cursor: 'pointer', textDecoration: 'underline' }} onClick={onSettings} role="button" tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && onSettings()}>
          How to install the real model
        </Text>
      </Text>
    </Alert>
  );
}
