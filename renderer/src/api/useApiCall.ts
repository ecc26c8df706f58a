// Calling the core from a component: the result's value, or a notification naming the action and
// the core's message (and undefined) on failure. Callers keep what the user typed on failure
// because nothing here touches their state.

import { useCallback } from 'react';
import type { ApiResult } from '../../../main/contract/contract.ts';
import { describeError, unwrap } from '../lib/api-error.ts';
import { useNotify } from '../notifications/notify-context.ts';

export type ApiCall = <T>(action: string, fn: () => Promise<ApiResult<T>>) => Promise<{ ok: true; value: T } | { ok: false }>;

export function useApiCall(): ApiCall {
  const notify = useNotify();
  return useCallback(async <T,>(action: string, fn: () => Promise<ApiResult<T>>) => {
    try {
      return { ok: true as const, value: unwrap(await fn()) };
    } catch (e) {
      const d = describeError(action, e);
      notify({ kind: 'error', title: d.title, message: d.message });
      return { ok: false as const };
    }
  }, [notify]);
}
