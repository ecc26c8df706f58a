// The PACS connections, as the settings section and the PACS dialogs show them (names and
// settings, whether a secret is stored; never the secret). Reading them makes no network call.

import { useCallback, useEffect, useState } from 'react';
import type { PacsConnectionInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';
import { useApiCall } from '../api/useApiCall.ts';

export interface PacsConnectionsState {
  /** null while loading */
  list: PacsConnectionInfo[] | null;
  reload(): Promise<void>;
}

export function usePacsConnections(active = true): PacsConnectionsState {
  const call = useApiCall();
  const [list, setList] = useState<PacsConnectionInfo[] | null>(null);
  const reload = useCallback(async () => {
    const r = await call('Read PACS connections', () => getApi().listPacsConnections());
    setList(r.ok ? r.value : []);
  }, [call]);
  useEffect(() => {
    if (active) void reload();
  }, [active, reload]);
  return { list, reload };
}
