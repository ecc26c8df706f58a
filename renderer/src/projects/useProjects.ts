// The project list, reloaded on demand (after create/rename/delete, imports, adapts).

import { useCallback, useEffect, useState } from 'react';
import type { ProjectSummary } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

export function useProjects(): { projects: ProjectSummary[] | null; reload(): Promise<ProjectSummary[] | null> } {
  const call = useApiCall();
  const [projects, setProjects] = useState<ProjectSummary[] | null>(null);
  const reload = useCallback(async () => {
    const r = await call('List projects', () => getApi().listProjects());
    if (!r.ok) return null;
    setProjects(r.value);
    return r.value;
  }, [call]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { projects, reload };
}
