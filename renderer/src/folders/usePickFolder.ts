// The native folder dialog where there is one (Electron), with its failure as a notification.

import { useCallback } from 'react';
import { nativeFolderChooser } from '../../bridge/api.ts';
import { describeError } from '../lib/api-error.ts';
import { useNotify } from '../notifications/notify-context.ts';

export function usePickFolder(): { native: boolean; pick(): Promise<string | null> } {
  const notify = useNotify();
  const pick = useCallback(async () => {
    if (!nativeFolderChooser) return null;
    try {
      return await nativeFolderChooser();
    } catch (e) {
      notify({ kind: 'error', title: 'Choose folder: failed', message: describeError(undefined, e).message });
      return null;
    }
  }, [notify]);
  return { native: nativeFolderChooser != null, pick };
}
