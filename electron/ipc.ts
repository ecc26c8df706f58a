// The IPC wiring between the renderer and the core, kept free of the `electron` import so tests
// can drive it with a fake ipcMain. One channel per operation (`api:<name>`), answered only for
// the app's own top-level page: a message from any other frame or page gets an error value, never
// a call into the core.

import type { ApiResult, DelineateApi } from '../main/contract/contract.ts';
import { OPERATIONS } from '../main/contract/operations.ts';
import { APP_ORIGIN } from './policy.ts';


export const apiChannel = (op: string): string => `api:${op}`;
export const JOB_EVENT_CHANNEL = 'job-event';
export const CHOOSE_FOLDER_CHANNEL = 'dialog:chooseFolder';

/** What the checks need of an IPC event's sender frame (Electron's WebFrameMain). */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

/** True only for the top frame of a page loaded from the app's own origin. */
export function trustedSender(frame: SenderFrame | null | undefined): boolean {
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return `${url.protocol}//${url.host}` === APP_ORIGIN;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: SenderFrame | null }, ...args: unknown[]) => unknown): void;
}

const refused = (channel: string): ApiResult<never> => ({ ok: false, error: { code: 'invalid', message: `${channel} was called from a page that is not Delineate's; refused` } });

/** Registers `api:<op>` for every operation; returns the channels registered. */
export function registerApiHandlers(ipc: IpcMainLike, api: DelineateApi): string[] {
  return OPERATIONS.map((op) => {
    const channel = apiChannel(op);
    ipc.handle(channel, async (event, request) => {
      if (!trustedSender(event.senderFrame)) return refused(channel);
      try {
        return await (api[op] as (req: unknown) => Promise<ApiResult<unknown>>)(request ?? undefined);
      } catch (e) {
        // handlers catch their own failures; this is a request too malformed to reach them
        return { ok: false, error: { code: 'invalid', message: `malformed request for ${op}: ${(e as Error).message}` } } satisfies ApiResult<never>;
      }
    });
    return channel;
  });
}
