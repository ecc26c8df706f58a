// Loaded with `node --require` before electron/dist/main.cjs: answers require('electron') with a
// recording fake, waits for the shell to open its window, then exercises what it registered
// (IPC handlers, protocol handlers, session hooks, web-contents guards, quitting) and prints one
// JSON report line. Lets tests check the real shell bundle where Electron's binary is absent.
'use strict';
const Module = require('node:module');

const rec = { order: [], schemes: null, handlers: {}, protocols: {}, windows: [], sent: [], appHandlers: {}, session: {} };
let resolveReady;
const ready = new Promise((r) => (resolveReady = r));
let readyFired = false;
let resolveWindow;
const windowLoaded = new Promise((r) => (resolveWindow = r));
let resolveQuit;
const quit = new Promise((r) => (resolveQuit = r));

class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.destroyed = false;
    this.webContents = { send: (channel, payload) => rec.sent.push([channel, payload]) };
    rec.windows.push(this);
  }
  once() {}
  isDestroyed() { return this.destroyed; }
  loadURL(url) { this.url = url; resolveWindow(this); return Promise.resolve(); }
  static getAllWindows() { return rec.windows; }
  static fromWebContents() { return rec.windows[0] ?? null; }
}

const fake = {
  app: {
    isPackaged: false,
    enableSandbox: () => rec.order.push(`enableSandbox(ready=${readyFired})`),
    requestSingleInstanceLock: () => true,
    on: (event, fn) => { rec.appHandlers[event] = fn; },
    whenReady: () => { setTimeout(() => { readyFired = true; resolveReady(); }, 10); return ready; },
    quit: () => resolveQuit('quit'),
    exit: (code) => { rec.order.push(`exit(${code})`); resolveQuit(`exit ${code}`); },
  },
  BrowserWindow,
  dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showErrorBox: (title, msg) => rec.order.push(`errorBox: ${msg}`) },
  ipcMain: { handle: (channel, fn) => { rec.handlers[channel] = fn; } },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (fn) => (rec.session.request = fn),
      setPermissionCheckHandler: (fn) => (rec.session.check = fn),
      webRequest: { onHeadersReceived: (fn) => (rec.session.headers = fn) },
    },
  },
  protocol: {
    registerSchemesAsPrivileged: (schemes) => { rec.order.push(`registerSchemes(ready=${readyFired})`); rec.schemes = schemes; },
    handle: (scheme, fn) => { rec.protocols[scheme] = fn; },
  },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? fake : load.call(this, request, ...rest);
};

async function exercise() {
  const win = await Promise.race([windowLoaded, quit.then((how) => { throw new Error(`the shell quit before opening a window (${how}): ${rec.order.join('; ')}`); })]);
  if (process.env.DELINEATE_CORE_URL) return hostedReport(win);
  const app = { senderFrame: { url: 'delineate-app://app/index.html', parent: null } };
  const evil = { senderFrame: { url: 'https://evil.example/', parent: null } };
  const call = (channel, event, req) => rec.handlers[channel](event, req);
  const report = { order: rec.order, schemes: rec.schemes, url: win.url, webPreferences: win.options.webPreferences, channels: Object.keys(rec.handlers).sort() };
  report.created = await call('api:createProject', app, { name: 'Shell' });
  report.listed = await call('api:listProjects', app);
  report.refused = await call('api:listProjects', evil);
  report.folderRefused = await call('dialog:chooseFolder', evil);
  report.job = await call('api:importPaths', app, { projectId: report.created.value.id, paths: ['/nonexistent/delineate-test'] });
  for (let i = 0; i < 100 && !rec.sent.some(([, e]) => e.type === 'state' && ['done', 'failed'].includes(e.job.state)); i++) await new Promise((r) => setTimeout(r, 20));
  report.sent = rec.sent.map(([c, e]) => `${c}:${e.type}${e.job ? `:${e.job.state}` : ''}`);
  const page = await rec.protocols['delineate-app'](new Request('delineate-app://app/'));
  report.page = { status: page.status, csp: page.headers.get('content-security-policy'), type: page.headers.get('content-type'), body: await page.text() };
  report.otherHost = (await rec.protocols['delineate-app'](new Request('delineate-app://evil/index.html'))).status;
  report.media = (await rec.protocols['delineate-media'](new Request('delineate-media://thumb/999'))).status;
  report.permission = await new Promise((r) => rec.session.request(null, 'media', r));
  report.permissionCheck = rec.session.check(null, 'clipboard-read');
  report.headers = await new Promise((r) => rec.session.headers({ responseHeaders: { a: ['b'] } }, (x) => r(x.responseHeaders)));
  const listeners = {};
  let openHandler = null;
  rec.appHandlers['web-contents-created']({}, { on: (e, fn) => (listeners[e] = fn), setWindowOpenHandler: (fn) => (openHandler = fn) });
  report.guards = {};
  for (const e of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    let prevented = false;
    listeners[e]?.({ preventDefault: () => (prevented = true) });
    report.guards[e] = prevented;
  }
  report.windowOpen = openHandler?.({ url: 'https://example.com/' });
  let quitPrevented = false;
  rec.appHandlers['before-quit']({ preventDefault: () => (quitPrevented = true) });
  report.quitPrevented = quitPrevented;
  report.quit = await quit;
  process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
  process.exit(0);
}

/** Hosted mode: what the shell set up around a window showing a core served elsewhere. */
async function hostedReport(win) {
  const report = { order: rec.order, url: win.url, webPreferences: win.options.webPreferences, channels: Object.keys(rec.handlers), protocols: Object.keys(rec.protocols), cspHook: Boolean(rec.session.headers) };
  report.permission = await new Promise((r) => rec.session.request(null, 'media', r));
  const listeners = {};
  let openHandler = null;
  rec.appHandlers['web-contents-created']({}, { on: (e, fn) => (listeners[e] = fn), setWindowOpenHandler: (fn) => (openHandler = fn) });
  let prevented = false;
  listeners['will-navigate']?.({ preventDefault: () => (prevented = true) });
  report.navigationBlocked = prevented;
  report.windowOpen = openHandler?.({ url: 'https://example.com/' });
  let quitPrevented = false;
  rec.appHandlers['before-quit']({ preventDefault: () => (quitPrevented = true) });
  report.quitPrevented = quitPrevented;
  process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
  process.exit(0);
}

exercise().catch((e) => {
  process.stdout.write(`FAILED ${e.stack}\n`);
  process.exit(1);
});
