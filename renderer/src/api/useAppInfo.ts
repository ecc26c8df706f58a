// What the app runs with (model, providers, GPU, data folder), read once at start.

import { useEffect, useState } from 'react';
import { getApi, type AppInfo } from './api.ts';
import { useApiCall } from './useApiCall.ts';

export function useAppInfo(): AppInfo | null {
  const call = useApiCall();
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    let live = true;
    void call('Read app info', () => getApi().appInfo()).then((r) => {
      if (live && r.ok) setInfo(r.value);
    });
    return () => {
      live = false;
    };
  }, [call]);
  return info;
}
