// What Electron's preload (electron/preload.ts) exposes as window.delineate: the whole API plus
// the native folder dialog, which only the desktop shell has.

import type { DelineateApi } from '../../main/contract/contract.ts';

export interface DesktopBridge extends DelineateApi {
  /** The system's folder dialog; null when the user cancels. */
  chooseFolder(): Promise<string | null>;
}

declare global {
  interface Window {
    /** Present only inside the Electron shell. */
    delineate?: DesktopBridge;
  }
}
