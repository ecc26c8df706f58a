// The project's adapter versions (newest first) and the active one.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { AdapterInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

export interface Adapters {
  list: AdapterInfo[] | null;
  active: AdapterInfo | null;
  reload(): Promise<void>;
}

/** Adapters of a project; an empty picture while no project is open. */
export function useAdapters(projectId: number | null): Adapters {
  const call = useApiCall();
  const [list, setList] = useState<AdapterInfo[] | null>(null);
  const current = useRef(projectId);
  current.current = projectId;
  const reload = useCallback(async () => {
    if (projectId == null) return;
    const r = await call('List adapters', () => getApi().listAdapters({ projectId }));
    if (r.ok && current.current === projectId) setList(r.value.slice().sort((a, b) => b.id - a.id));
  }, [call, projectId]);
  useEffect(() => {
    setList(null);
    void reload();
  }, [reload]);
  return { list, active: list?.find((a) => a.active) ?? null, reload };
}
