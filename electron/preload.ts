// Runs in the sandboxed renderer before the page: exposes window.delineate (the API over IPC)
// through contextBridge, so the page never touches ipcRenderer or Node. Bundled by
// scripts/build-renderer.mjs into electron/dist/preload.cjs (a sandboxed preload cannot import).

import { contextBridge, ipcRenderer } from 'electron';
import { desktopApi } from './bridge-api.ts';

contextBridge.exposeInMainWorld('delineate', desktopApi(ipcRenderer));
