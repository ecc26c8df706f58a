// `delineate serve`: the app in a browser. Opens the core on the data folder, starts the web host
// on 127.0.0.1 and runs until Ctrl-C / SIGTERM, then closes the host and the core (running jobs
// stop at their next checkpoint and resume at the next start).

import { spawn } from 'node:child_process';
import { ensureBundles, rendererDist } from '../app/renderer-bundle.ts';
import { type Core, openCore } from '../core.ts';
import { startWebHost, type WebHost } from '../web/web-host.ts';
import { intOption, parse, providerOption, UsageError } from './args.ts';

/** Used when --port is not given and it is free, so a bookmarked address keeps working. */
export const DEFAULT_PORT = 4640;

const help = `usage: delineate serve [--port N] [--data DIR] [--model DIR|NAME] [--open]

  --port N         listen on 127.0.0.1:N (0: any free port; default ${DEFAULT_PORT}, or a free one if taken)
  --data DIR       the data folder (default DELINEATE_DATA, else the per-user application-data folder)
  --model DIR      a model folder or installed model name (default: the installed one)
  --provider P     execution provider: auto, cuda, webgpu or cpu (default auto)
  --open           open the address in the default browser

Only this computer can connect (the server listens on 127.0.0.1 and checks each request's Host).`;

/** Opens `url` in the default browser; a failure is only reported (the address is printed anyway). */
export function openBrowser(url: string, log: (line: string) => void): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', (e) => log(`could not open a browser (${cmd}: ${e.message}); open the address yourself`));
    child.unref();
  } catch (e) {
    log(`could not open a browser (${(e as Error).message}); open the address yourself`);
  }
}

/** Starts on `port`; when the default port is taken, on a free one instead. */
export async function startOnPort(start: (port: number) => Promise<WebHost>, port: number | undefined): Promise<WebHost> {
  if (port !== undefined) return start(port);
  try {
    return await start(DEFAULT_PORT);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    return start(0);
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** --port N: 0 (any free port) to 65535; undefined when absent. */
export function portOption(value: string | undefined): number | undefined {
  const port = value === undefined ? undefined : intOption(value, 'port', 0, 0);
  if (port !== undefined && port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  return port;
}

/** Serves `core` on 127.0.0.1; the core is closed when the host cannot start. */
export async function hostCore(core: Core, port: number | undefined): Promise<WebHost> {
  try {
    return await startOnPort((p) => startWebHost({ core, port: p, rendererDir: rendererDist }), port);
  } catch (e) {
    await core.close();
    throw e;
  }
}

/** Runs until Ctrl-C / SIGTERM, then closes the host and the core (jobs stop at a checkpoint). */
export async function serveUntilSignal(host: WebHost, core: Core, log: (line: string) => void): Promise<void> {
  const signal = await untilSignal();
  log(`stopping (${signal})…`);
  await host.close();
  await core.close();
  log('stopped');
}

export async function serveCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, { port: { type: 'string' }, data: { type: 'string' }, model: { type: 'string' }, provider: { type: 'string' }, open: { type: 'boolean' } }, help);
  const port = portOption(values.port);
  const log = (line: string) => console.error(line);
  ensureBundles(log);
  const core = openCore({ data: values.data, model: values.model, engine: { provider: providerOption(values.provider) }, purpose: 'delineate serve' });
  const host = await hostCore(core, port);
  console.log(`Delineate is running at ${host.url}`);
  console.log(`data folder: ${core.dataDir}; press Ctrl-C to stop`);
  if (flags.open) openBrowser(host.url, log);
  await serveUntilSignal(host, core, log);
}
