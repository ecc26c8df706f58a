// `delineate app`: the desktop app. Starts Electron on the built shell when Electron's binary is
// here; otherwise (or with --web) serves the same UI on 127.0.0.1 and opens the default browser,
// saying why there is no desktop window. With no model installed it uses the bundled demo model
// (resources/demo/model) and, on the first start, makes a "Demo" project from resources/demo/images.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CORE_UNAVAILABLE_IN_ELECTRON } from '../app/exit-codes.ts';
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

Without an installed model, the tiny demo model bundled with Delineate is used so the app can be
tried at once; install the real one with \`npx delineate model download\`.`;

/** Electron's executable, or why there is none (its npm package downloads the binary at install time). */
export function electronBinary(): { path: string } | { reason: string } {
  let path: unknown;
  try {
    path = createRequire(import.meta.url)('electron');
  } catch {
    return { reason: 'the electron package was installed with its download step off; to get the desktop window run: node node_modules/electron/install.js' };
  }
  if (typeof path !== 'string' || !existsSync(path)) return { reason: `nothing is at ${String(path)}; download it again with: node node_modules/electron/install.js` };
  return { path };
}

/** Runs the desktop shell until it exits; the exit code. */
function runElectron(binary: string, env: Record<string, string | undefined>): Promise<number> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  delete childEnv.ELECTRON_RUN_AS_NODE; // would turn Electron into plain Node
  const child = spawn(binary, [electronMain], { stdio: 'inherit', env: childEnv });
  const forward = (s: NodeJS.Signals) => child.kill(s);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
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

  let why = 'you asked for the browser version (--web)';
  if (!flags.web) {
    const electron = electronBinary();
    if ('path' in electron) {
      const code = await runElectron(electron.path, { DELINEATE_DATA: values.data, DELINEATE_APP_MODEL: values.model, DELINEATE_PROVIDER: provider });
      if (code === 0) return;
      if (code !== CORE_UNAVAILABLE_IN_ELECTRON) throw new Error(`the desktop app exited with code ${code}`);
      why = 'the desktop app could not open the core inside Electron (its reason is above)';
    } else why = `Electron's binary is not downloaded here (${electron.reason})`;
  }

  const { core, notices } = await openAppCore({ data: values.data, model: values.model, engine: { provider }, purpose: 'delineate app' });
  const host = await hostCore(core, port);
  console.log(`Delineate is running at ${host.url}`);
  console.log(`It opens in your browser because ${why}.`);
  for (const n of notices) console.log(`\n${n}`);
  console.log(`\ndata folder: ${core.dataDir}; press Ctrl-C to stop`);
  if (!flags['no-open']) openBrowser(host.url, log);
  await serveUntilSignal(host, core, log);
}
