// The desktop shell: one window showing the renderer bundle, the core in this (main) process with
// its engine in a worker thread, and IPC as the only way between them. Kept thin; what it adds
// over the web host is Electron's own hardening:
// - the page: contextIsolation, sandbox, no Node, webSecurity, a CSP on every response, served
//   from delineate-app://app/ (protocols.ts);
// - no navigation, no new windows, no <webview>, every permission request and check denied;
// - IPC answers only the app's own top frame (ipc.ts);
// - one instance per user (the data folder's lock would refuse a second anyway).
// Bundled by scripts/build-renderer.mjs into electron/dist/main.cjs. The core is not bundled: it
// runs from the TypeScript sources through tsx, as the CLI does (its worker and native modules
// expect that), loaded by loadCore below.
// Hosted mode (DELINEATE_CORE_URL, set by `delineate app`): the core runs in that Node process and
// serves the same renderer and API on 127.0.0.1, so native modules stay built for Node; this
// shell then only shows that page in the hardened window, without a preload, IPC or schemes.

import { app, BrowserWindow, dialog, ipcMain, session, type Session } from 'electron';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppCore } from '../main/app/launch.ts';
import { CORE_UNAVAILABLE_IN_ELECTRON } from '../main/app/exit-codes.ts';
import { CHOOSE_FOLDER_CHANNEL, JOB_EVENT_CHANNEL, registerApiHandlers, trustedSender } from './ipc.ts';
import { APP_SCHEME, DESKTOP_CSP, hostedCoreUrl } from './policy.ts';
import { handleSchemes, registerSchemes } from './protocols.ts';

/** The repository (or, packaged, the app folder): electron/dist/main.cjs is two levels down. */
const root = resolve(__dirname, '..', '..');
const START_URL = `${APP_SCHEME}://app/index.html`;

let appCore: AppCore | null = null;
let closing = false;

registerSchemes();
app.enableSandbox();

async function loadCore(): Promise<AppCore> {
  const { register } = await import('tsx/esm/api');
  register();
  const mod = (await import(pathToFileURL(join(root, 'electron', 'app-core.ts')).href)) as typeof import('./app-core.ts');
  return mod.openDesktopCore(app.isPackaged ? process.resourcesPath : join(root, 'resources'));
}

/** `csp`: add the desktop CSP to every response (hosted mode keeps the web host's own CSP). */
function harden(ses: Session, csp: boolean): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  if (!csp) return;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [DESKTOP_CSP], 'X-Content-Type-Options': ['nosniff'] } });
  });
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

function createWindow(url: string, preload: boolean): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Delineate',
    show: false,
    webPreferences: {
      preload: preload ? join(__dirname, 'preload.cjs') : undefined,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(url);
  return win;
}

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version/.test(message)) {
    // better-sqlite3 from `npm install` is built for Node; Electron needs its own build
    process.stderr.write(
      `Delineate: a native module is built for Node, not for Electron ${process.versions.electron}:\n  ${message.split('\n')[0]}\n` +
        'Rebuild it for Electron (npx electron-builder install-app-deps) or use the browser version: npx delineate app --web\n',
    );
    app.exit(CORE_UNAVAILABLE_IN_ELECTRON);
    return;
  }
  process.stderr.write(`Delineate could not start: ${message}\n`);
  dialog.showErrorBox('Delineate could not start', message);
  app.exit(1);
}

async function start(): Promise<void> {
  const hosted = hostedCoreUrl(process.env.DELINEATE_CORE_URL);
  harden(session.defaultSession, !hosted);
  if (hosted) {
    createWindow(hosted, false);
    return;
  }
  appCore = await loadCore();
  const { core, notices } = appCore;
  for (const n of notices) process.stdout.write(`${n}\n`);
  handleSchemes(join(root, 'renderer', 'dist'), core.api);
  registerApiHandlers(ipcMain, core.api);
  ipcMain.handle(CHOOSE_FOLDER_CHANNEL, async (event) => {
    if (!trustedSender(event.senderFrame)) return null;
    const owner = BrowserWindow.fromWebContents(event.sender);
    const r = owner ? await dialog.showOpenDialog(owner, { properties: ['openDirectory'] }) : await dialog.showOpenDialog({ properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  core.api.onJobEvent((e) => {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(JOB_EVENT_CHANNEL, e);
  });
  createWindow(START_URL, true);
}

if (!app.requestSingleInstanceLock()) {
  process.stderr.write('Delineate is already running; switching to its window.\n');
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.whenReady().then(start).catch(fail);
  app.on('window-all-closed', () => app.quit());
  // jobs stop at a checkpoint and the store closes before the process ends
  app.on('before-quit', (e) => {
    if (!appCore || closing) return;
    e.preventDefault();
    closing = true;
    appCore.core.close().catch((err: unknown) => process.stderr.write(`closing the core: ${String(err)}\n`)).finally(() => app.quit());
  });
}
