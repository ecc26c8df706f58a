// `delineate app` where Electron exists: the core opens in the CLI's Node process, serves on
// 127.0.0.1 and Electron's shell (hosted mode) shows it. A stand-in for Electron's binary
// (DELINEATE_ELECTRON) loads the address it is given the way the window would — the page, then
// an API call — and exits with a chosen code: 0 ends the app; a failure falls back to the browser.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-store.ts';

const bin = fileURLToPath(new URL('../../main/delineate.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const shellMain = fileURLToPath(new URL('../../electron/dist/main.cjs', import.meta.url));

/** An executable that behaves like `electron <main.cjs>` in hosted mode, as far as the app can tell. */
function fakeElectron(dir: string): string {
  const script = join(dir, 'fake-electron.mjs');
  writeFileSync(script, `
const [mainScript] = process.argv.slice(2);
const url = process.env.DELINEATE_CORE_URL;
const report = { mainScript, url };
try {
  const page = await fetch(url);
  report.page = { status: page.status, root: (await page.text()).includes('<div id="root"></div>') };
  const info = await (await fetch(new URL('api/appInfo', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' })).json();
  report.dataDir = info.value?.dataDir;
} catch (e) { report.error = String(e); }
(await import('node:fs')).writeFileSync(process.env.FAKE_REPORT, JSON.stringify(report));
if (process.env.FAKE_EXIT !== '0') process.stderr.write('fake electron: cannot open a display\\n');
process.exit(Number(process.env.FAKE_EXIT));
`);
  const exe = join(dir, 'electron');
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
  chmodSync(exe, 0o755);
  return exe;
}

function runApp(t: TestContext, exit: number) {
  const dir = tempDir(t, 'delineate-app-window-');
  const data = join(dir, 'data');
  const reportFile = join(dir, 'report.json');
  const child = spawn(process.execPath, [bin, 'app', '--no-open', '--data', data, '--model', fixture], {
    env: { ...process.env, DELINEATE_PROVIDER: 'cpu', DELINEATE_ELECTRON: fakeElectron(dir), FAKE_REPORT: reportFile, FAKE_EXIT: String(exit) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => { child.kill('SIGTERM'); return exited; });
  return { data, exited, output: () => out, report: () => JSON.parse(readFileSync(reportFile, 'utf8')), stop: () => (child.kill('SIGTERM'), exited) };
}

/** Fails instead of hanging the suite when the app does not end by itself. */
function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not within ${ms / 1000} s: ${what()}`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test('app with Electron: the window is shown the core served on loopback, and closing it ends the app', async (t) => {
  const app = runApp(t, 0);
  assert.equal(await within(app.exited, 60_000, app.output), 0, app.output());
  const r = app.report();
  assert.equal(r.mainScript, shellMain, 'Electron runs the built shell');
  assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(r.page, { status: 200, root: true }, 'the renderer bundle is served there');
  assert.equal(r.dataDir, app.data, 'and the API answers from the core the CLI opened');
  assert.match(app.output(), /Delineate is opening its window \(data folder: .*\); close the window to stop\./);
  assert.doesNotMatch(app.output(), /opens in your browser/);
});

test('app with Electron that cannot start: the same core is offered in the browser, saying why', async (t) => {
  const app = runApp(t, 7);
  for (let i = 0; i < 600 && !/press Ctrl-C to stop/.test(app.output()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(app.output(), /fake electron: cannot open a display/);
  assert.match(app.output(), /Delineate is running at http:\/\/127\.0\.0\.1:\d+\/\nIt opens in your browser because the desktop window could not start \(Electron exited with code 7; its reason is above\)\./);
  const url = app.output().match(/running at (http:\/\/127\.0\.0\.1:\d+\/)/)![1];
  assert.equal(url, app.report().url, 'the browser gets the address the window was given');
  const info = (await (await fetch(new URL('api/appInfo', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' })).json()) as { value: { dataDir: string } };
  assert.equal(info.value.dataDir, app.data);
  assert.equal(await within(app.stop(), 30_000, app.output), 0);
});
