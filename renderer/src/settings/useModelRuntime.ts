// The model's precision and background work (contract ModelRuntimeInfo), polled: every 1.5 s
// while it is opening, preparing its compiled models or self-checking (a first start), else
// every 10 s while `active`.

import { useCallback, useEffect, useState } from 'react';
import type { ModelRuntimeInfo } from '../../../main/contract/contract.ts';
import { getApi } from '../api/api.ts';

export function useModelRuntime(active = true): { runtime: ModelRuntimeInfo | null; refresh(): Promise<void>; set(r: ModelRuntimeInfo | null): void } {
  const [runtime, setRuntime] = useState<ModelRuntimeInfo | null>(null);
  const refresh = useCallback(async () => {
    const r = await getApi().modelRuntime();
    if (r.ok) setRuntime(r.value);
  }, []);
  const busy = runtime !== null && runtime.work !== 'idle';
  useEffect(() => {
    if (!active) return;
    void refresh();
    const t = setInterval(() => void refresh(), busy ? 1500 : 10_000);
    return () => clearInterval(t);
  }, [active, busy, refresh]);
  return { runtime, refresh, set: setRuntime };
}
