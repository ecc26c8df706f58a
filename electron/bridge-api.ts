// The object the preload exposes as window.delineate, built from the operation list so it cannot
// miss one; kept free of the `electron` import so tests can build it with fakes.

import type { DelineateApi, JobEvent } from '../main/contract/contract.ts';
import { OPERATIONS } from '../main/contract/operations.ts';
import { apiChannel, CHOOSE_FOLDER_CHANNEL, JOB_EVENT_CHANNEL } from './ipc.ts';

export interface DesktopApi extends DelineateApi {
  chooseFolder(): Promise<string | null>;
}

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function desktopApi(ipc: IpcRendererLike): DesktopApi {
  const api: Record<string, unknown> = Object.fromEntries(OPERATIONS.map((op) => [op, (req?: unknown) => ipc.invoke(apiChannel(op), req)]));
  api.onJobEvent = (listener: (e: JobEvent) => void) => {
    // the IPC event object stays here: it would hand the page a reference to ipcRenderer's sender
    const forward = (_event: unknown, e: unknown) => listener(e as JobEvent);
    ipc.on(JOB_EVENT_CHANNEL, forward);
    return () => void ipc.removeListener(JOB_EVENT_CHANNEL, forward);
  };
  api.chooseFolder = () => ipc.invoke(CHOOSE_FOLDER_CHANNEL) as Promise<string | null>;
  return api as unknown as DesktopApi; // complete: OPERATIONS is checked against DelineateApi
}
