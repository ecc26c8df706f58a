// The core as the desktop app opens it, loaded from the TypeScript sources at run time (through
// tsx, like the CLI) by electron/main.ts: the same model choice and first-run demo project as
// `delineate app` in a browser. `delineate app` passes its options in the environment.

import { openAppCore, type AppCore } from '../main/app/launch.ts';

export function openDesktopCore(resourcesDir: string): Promise<AppCore> {
  return openAppCore({
    data: process.env.DELINEATE_DATA || undefined,
    model: process.env.DELINEATE_APP_MODEL || undefined,
    resourcesDir: process.env.DELINEATE_RESOURCES || resourcesDir,
    purpose: 'Delineate (desktop app)',
  });
}
