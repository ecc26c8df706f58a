// `delineate app`: the desktop app. Opens the core here (Node: native modules as npm built them)
// and serves it on 127.0.0.1; then shows it in Electron's hardened window when Electron's binary is
// here (the shell's hosted mode), otherwise (or with --web, or when the window cannot start) in the
// default browser, saying why there is no desktop window. With no model installed it uses the
// bundled demo model (resources/demo/model) and, on the first start, makes a "Demo" project from
// resources/demo/images. (The packaged app runs electron/main.ts with the core inside Electron.)

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openAppCore } from '../app/launch.ts';
import { electronMain, ensureBundles } from '../app/renderer-bundle.ts';
import { parse, providerOption } from './args.ts';
import { hostCore, openBrowser, portOption, serveUntilSignal } from './serve.ts';

const help = `usage: delineate app [--data DIR] [--model DIR|NAME] [--web] [--port N] [--no-open]

  --data DIR       the data folder (default DELINEATE_DATA, else the per-user application-data folder)
  --model DIR      a model folder or installed model name (default: the installed one, else the demo model)
  --web            use the browser even where Electron is available
  --port N         the browser version's port on 127.0.0.1 (default 4640, or a free one if taken)
  --provider P     execution provider: auto, cuda, webgpu or cpu (default auto)
  --no-open        do not open a browser (the browser version; the address is printed)

The app opens in its own window where Electron's binary is present (DELINEATE_ELECTRON may name a
system-wide one), otherwise in the default browser; either way the core runs in this process and
only this computer can connect. Without an installed model, the tiny demo model bundled with
Delineate is used so the app can be tried at once; install the real one with
\`npx delineate model download\`.`;

/**
 * Electron's executable, or why there is none (its npm package downloads the binary at install
 * time). DELINEATE_ELECTRON names another one (a system-wide Electron).
 */
export function electronBinary(): { path: string } | { reason: string } {
  const own = process.env.DELINEATE_ELECTRON;
  if (own) return existsSync(own) ? { path: own } : { reason: `DELINEATE_ELECTRON names ${own}, which does not exist` };
  let path: unknown;
  try {
    path = createRequire(import.meta.url)('electron');
  } catch {
    return { reason: 'the electron package was installed with its download step off; to get the desktop window run: node node_modules/electron/install.js' };
  }
  if (typeof path !== 'string' || !existsSync(path)) return { reason: `nothing is at ${String(path)}; download it again with: node node_modules/electron/install.js` };
  return { path };
}

/** Runs the desktop shell until it exits: its exit code, and whether a signal sent to us ended it. */
function runElectron(binary: string, env: Record<string, string | undefined>): Promise<{ code: number; signalled: boolean }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  delete childEnv.ELECTRON_RUN_AS_NODE; // would turn Electron into plain Node
  const child = spawn(binary, [electronMain], { stdio: 'inherit', env: childEnv });
  let signalled = false;
  const forward = (s: NodeJS.Signals) => {
    signalled = true;
    child.kill(s);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code: code ?? (signal ? 128 : 1), signalled });
    });
  });
}

export async function appCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, {
    data: { type: 'string' }, model: { type: 'string' }, web: { type: 'boolean' }, port: { type: 'string' }, provider: { type: 'string' }, 'no-open': { type: 'boolean' },
  }, help);
  const port = portOption(values.port);
  const provider = providerOption(values.provider);
  const log = (line: string) => console.error(line);
  ensureBundles(log);
  const electron = flags.web ? null : electronBinary();
  const desktop = electron && 'path' in electron ? electron.path : null;

  const { core, notices } = await openAppCore({ data: values.data, model: values.model, engine: { provider }, purpose: 'delineate app' });
  // The window needs no fixed port; the browser gets the bookmarkable default.
  const host = await hostCore(core, desktop ? (port ?? 0) : port);

  let why = electron === null ? 'you asked for the browser version (--web)' : `Electron's binary is not downloaded here (${'reason' in electron ? electron.reason : ''})`;
  if (desktop) {
    for (const n of notices) console.log(`${n}\n`);
    console.log(`Delineate is opening its window (data folder: ${core.dataDir}); close the window to stop.`);
    let ended: { code: number; signalled: boolean };
    try {
      ended = await runElectron(desktop, { DELINEATE_CORE_URL: host.url });
    } catch (e) {
      ended = { code: -1, signalled: false };
      log(`Electron could not start: ${(e as Error).message}`);
    }
    if (ended.code === 0 || ended.signalled) {
      await host.close();
      await core.close();
      return;
    }
    why = `the desktop window could not start (Electron exited with code ${ended.code}; its reason is above)`;
  }
  console.log(`Delineate is running at ${host.url}`);
  console.log(`It opens in your browser because ${why}.`);
  if (!desktop) for (const n of notices) console.log(`\n${n}`);
  console.log(`\ndata folder: ${core.dataDir}; press Ctrl-C to stop`);
  if (!flags['no-open']) openBrowser(host.url, log);
  await serveUntilSignal(host, core, log);
}
