// The end-to-end harness: builds the bundle when stale, runs `delineate serve` as a child on a free
// port with a fresh data folder and the tiny fixture model, and drives Debian's Chromium through
// playwright-core. `withApp` gives a page already showing the app:
//
//   await withApp(async ({ page, url, dataDir, shot }) => { …; await shot('library'); });
//
// Chromium must be at /usr/bin/chromium; without it these tests fail (never skip) and say how to
// install it. Screenshots go to test-artifacts/ (gitignored).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureBundles } from '../../../main/app/renderer-bundle.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const fixtureModel = join(root, 'test', 'fixtures', 'clipseg-tiny');
export const artifactsDir = join(root, 'test-artifacts');

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Throws, with the fix, when Debian's Chromium is not installed. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The end-to-end tests need Debian's Chromium at ${CHROMIUM}, which is missing. Install it (as root): apt-get update && apt-get install -y chromium`);
  }
}

/** A fresh browser (Playwright gives each launch its own temporary profile, removed on close). */
export function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** what the server printed so far (stdout and stderr) */
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after 15 s) */
  stop(): Promise<number | null>;
}

export interface ServeOptions {
  dataDir: string;
  /** a model folder; null: none (default: the tiny fixture model) */
  model?: string | null;
  args?: string[];
  env?: Record<string, string>;
}

/** Runs `delineate serve --port 0` and waits for its address. */
export function startServe(o: ServeOptions): Promise<Served> {
  const model = o.model === undefined ? fixtureModel : o.model;
  const args = [join(root, 'main', 'delineate.mjs'), 'serve', '--port', '0', '--data', o.dataDir, '--provider', 'cpu', ...(model ? ['--model', model] : []), ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`delineate serve printed no address within 60 s:\n${out}`));
    }, 60_000);
    const look = () => {
      const m = out.match(/Delineate is running at (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve({ url: m[1], child, output: () => out, stop });
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`delineate serve exited (code ${code}) before printing its address:\n${out}`));
    });
  });
}

export interface AppContext {
  page: Page;
  context: BrowserContext;
  browser: Browser;
  /** the app's address, http://127.0.0.1:PORT/ */
  url: string;
  dataDir: string;
  served: Served;
  /** saves test-artifacts/<name>.png; returns its path */
  shot(name: string): Promise<string>;
  /** uncaught exceptions in the page so far */
  pageErrors: Error[];
  /** console errors in the page so far (CSP violations among them) */
  consoleErrors: string[];
}

export interface WithAppOptions extends Omit<ServeOptions, 'dataDir'> {
  /** prepares the data folder before the server opens it */
  setup?: (dataDir: string) => void | Promise<void>;
  /** runs before the app is loaded (routes, listeners) */
  beforeLoad?: (c: { context: BrowserContext; page: Page }) => void | Promise<void>;
  /** prefix of screenshot names (default 'e2e') */
  name?: string;
  /** uncaught page exceptions and CSP violations fail the run unless this is true */
  allowPageErrors?: boolean;
}

/**
 * Runs `fn` against the app in Chromium and tears everything down after, pass or fail; a failure
 * leaves test-artifacts/<name>-failure.png behind.
 */
export async function withApp(fn: (c: AppContext) => Promise<void>, o: WithAppOptions = {}): Promise<void> {
  requireChromium();
  ensureBundles();
  const name = o.name ?? 'e2e';
  const dataDir = mkdtempSync(join(tmpdir(), 'delineate-e2e-'));
  let served: Served | null = null;
  let browser: Browser | null = null;
  let page: Page | null = null;
  let failed = false;
  const shot = async (n: string) => {
    mkdirSync(artifactsDir, { recursive: true });
    const path = join(artifactsDir, `${n}.png`);
    await page!.screenshot({ path, fullPage: true });
    return path;
  };
  try {
    await o.setup?.(dataDir);
    served = await startServe({ dataDir, model: o.model, args: o.args, env: o.env });
    browser = await launchChromium();
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1440, height: 900 } });
    // tsx compiles tests with esbuild's keepNames, so functions handed to page.evaluate call
    // __name(); the page needs a stand-in (init scripts come through DevTools, not past the CSP)
    await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    page = await context.newPage();
    const pageErrors: Error[] = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    const consoleErrors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
    await o.beforeLoad?.({ context, page });
    await page.goto(served.url, { waitUntil: 'load' });
    try {
      await fn({ page, context, browser, url: served.url, dataDir, served, shot, pageErrors, consoleErrors });
      if (!o.allowPageErrors && pageErrors.length > 0) throw new Error(`the page threw:\n${pageErrors.map((e) => e.stack ?? e.message).join('\n')}`);
      const csp = consoleErrors.filter((m) => /Content Security Policy/i.test(m));
      if (!o.allowPageErrors && csp.length > 0) throw new Error(`the page broke its Content Security Policy:\n${csp.join('\n')}`);
    } catch (e) {
      await shot(`${name}-failure`).catch(() => {});
      throw e;
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    const code = await served?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // a server that does not stop cleanly fails the run (unless it failed already, for a reason of its own)
    if (!failed && served && code !== 0) throw new Error(`delineate serve exited with code ${code} when stopped:\n${served.output()}`);
  }
}
