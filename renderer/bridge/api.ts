// The renderer's one way to the core: Electron's preload bridge when the page runs in the desktop
// shell, else the web host's bridge (fetch + WebSocket to the server that served the page).

import type { DelineateApi } from '../../main/contract/contract.ts';
import type { DesktopBridge } from './electron-api.d.ts';
import { mediaUrlFor, type MediaWindow } from './media-url.ts';
import { createWebBridge } from './web-bridge.ts';

const desktop: DesktopBridge | undefined = typeof window !== 'undefined' ? window.delineate : undefined;

/** True inside the Electron shell. */
export const isElectron: boolean = desktop !== undefined;

let api: DelineateApi | null = null;

export function getApi(): DelineateApi {
  api ??= desktop ?? createWebBridge();
  return api;
}

/**
 * An image URL for <img src>: the thumbnail, or one frame as the viewer shows it (PNG), through
 * the import's window or through `window` (exact, as getImageFrame's window). Cheaper than
 * getThumbnail/getImageFrame (no base64 round trip); served by Electron's delineate-media://
 * protocol or the web host's /media/ routes (main/web/media-route.ts reads these URLs).
 */
export function mediaUrl(kind: 'thumb', imageId: number): string;
export function mediaUrl(kind: 'frame', imageId: number, frame: number, window?: MediaWindow): string;
export function mediaUrl(kind: 'thumb' | 'frame', imageId: number, frame?: number, window?: MediaWindow): string {
  return mediaUrlFor(isElectron, kind, imageId, frame, window);
}

/**
 * The native folder dialog where there is one (Electron); null on the web, where the UI browses
 * with the listDir operation instead.
 */
export const nativeFolderChooser: (() => Promise<string | null>) | null = desktop ? () => desktop.chooseFolder() : null;
