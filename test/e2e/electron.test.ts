// The desktop shell under Playwright's Electron driver, both ways it runs:
// - hosted (what `delineate app` does from an npm install): the window shows the core that a Node
//   process serves on 127.0.0.1, without preload or Node in the page;
// - in-process (the packaged app): the bundle from delineate-app://app/ and window.delineate
//   reaching the core over IPC. It needs better-sqlite3 built for Electron, which the packager
//   does and `npm install` does not; where it is built for Node that test says so and skips.
// Navigation and new windows are refused in both. Electron's binary is not downloaded on every
// machine (its npm package fetches it at install time); there both skip with that reason.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { electronMain, ensureBundles } from '../../main/app/renderer-bundle.ts';
import { electronBinary } from '../../main/cli/app.ts';
import { OPERATIONS } from '../../main/contract/operations.ts';
import type { DesktopApi } from '../../electron/bridge-api.ts';
import { artifactsDir, fixtureModel, startServe } from './helpers/app.ts';

interface PageGlobals {
  delineate: DesktopApi;
  require?: unknown;
  process?: unknown;
  location: { href: string };
  open(url: string): unknown;
}

/**
 * Sends the page to another site and answers with what the main process saw: the navigation's
 * will-navigate event and whether the shell prevented it. The listener is in place before the
 * page is asked to leave, and the shell's own handler (added when the window was made) runs first.
 */
async function tryToLeave(app: ElectronApplication, win: Page, url: string): Promise<{ url: string; prevented: boolean }> {
  await app.evaluate(({ BrowserWindow }) => {
    const contents = BrowserWindow.getAllWindows()[0].webContents;
    (globalThis as { navigation?: Promise<unknown> }).navigation = new Promise((resolve) => contents.once('will-navigate', (e) => resolve({ url: e.url, prevented: e.defaultPrevented })));
  });
  await win.evaluate((to) => void ((globalThis as unknown as PageGlobals).location.href = to), url);
  return app.evaluate(() => (globalThis as unknown as { navigation: Promise<{ url: string; prevented: boolean }> }).navigation);
}

/** The environment without ELECTRON_RUN_AS_NODE (which would turn Electron into plain Node). */
function electronEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  return { ...env, ...extra };
}

test('the Electron shell, hosted: shows the loopback core, no bridge or Node in the page, navigation and windows refused', async (t) => {
  const electron = electronBinary();
  if (!('path' in electron)) {
    t.skip(`Electron binary not downloaded on this machine: ${electron.reason}`);
    return;
  }
  ensureBundles();
  const dataDir = mkdtempSync(join(tmpdir(), 'delineate-electron-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const served = await startServe({ dataDir });
  t.after(() => served.stop());
  const app = await _electron.launch({ executablePath: electron.path, args: [electronMain], env: electronEnv({ DELINEATE_CORE_URL: served.url }) });
  try {
    const win = await app.firstWindow();
    await win.waitForLoadState('load');
    assert.equal(win.url(), served.url);
    await win.getByRole('button', { name: /New project/ }).first().waitFor({ timeout: 30_000 });
    const seen = await win.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals & { fetch: typeof fetch };
      const info = (await (await g.fetch('api/appInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' })).json()) as { value?: { dataDir?: string } };
      return { bridge: typeof (g as unknown as { delineate?: unknown }).delineate, info, require: typeof g.require, process: typeof g.process, opened: g.open('https://example.com/') === null };
    });
    assert.equal(seen.bridge, 'undefined', 'no preload in hosted mode');
    assert.equal(seen.info.value?.dataDir, dataDir, JSON.stringify(seen.info));
    assert.equal(seen.require, 'undefined');
    assert.equal(seen.process, 'undefined');
    assert.equal(seen.opened, true, 'window.open is denied');
    assert.deepEqual(await tryToLeave(app, win, 'https://example.com/'), { url: 'https://example.com/', prevented: true }, 'navigation away is refused');
    assert.equal(win.url(), served.url);
    mkdirSync(artifactsDir, { recursive: true });
    await win.screenshot({ path: join(artifactsDir, 'electron-window-hosted.png') });
  } finally {
    await app.close();
  }
});

test('the Electron shell, in-process (packaged app): IPC bridge to the core, no Node in the page, navigation and windows refused', async (t) => {
  const electron = electronBinary();
  if (!('path' in electron)) {
    t.skip(`Electron binary not downloaded on this machine: ${electron.reason}`);
    return;
  }
  // The core's store is better-sqlite3: inside Electron it needs a build for Electron's ABI.
  const probe = spawnSync(electron.path, ['-e', "require('better-sqlite3')"], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip(`better-sqlite3 here is built for Node, not for Electron (the packaged app rebuilds it; npx electron-builder install-app-deps does it here): ${probe.stderr.split('\n').find((l) => /NODE_MODULE_VERSION|Error/.test(l)) ?? probe.stderr.trim()}`);
    return;
  }
  ensureBundles();
  const dataDir = mkdtempSync(join(tmpdir(), 'delineate-electron-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const app = await _electron.launch({
    executablePath: electron.path,
    args: [electronMain],
    env: electronEnv({ DELINEATE_DATA: dataDir, DELINEATE_APP_MODEL: fixtureModel, DELINEATE_PROVIDER: 'cpu' }),
  });
  try {
    const win = await app.firstWindow();
    await win.waitForLoadState('load');
    assert.match(win.url(), /^delineate-app:\/\/app\//);
    const seen = await win.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      const created = await g.delineate.createProject({ name: 'Desktop' });
      const listed = await g.delineate.listProjects();
      const info = await g.delineate.appInfo();
      return { keys: Object.keys(g.delineate).sort(), created, listed, info, require: typeof g.require, process: typeof g.process, opened: g.open('https://example.com/') === null };
    });
    assert.deepEqual(seen.keys, [...OPERATIONS, 'onJobEvent', 'chooseFolder'].sort());
    assert.ok(seen.created.ok && seen.listed.ok && seen.listed.value.some((p) => p.name === 'Desktop'), JSON.stringify(seen.listed));
    assert.ok(seen.info.ok && seen.info.value.dataDir === dataDir && seen.info.value.model?.name === 'clipseg-tiny', JSON.stringify(seen.info));
    assert.equal(seen.require, 'undefined');
    assert.equal(seen.process, 'undefined');
    assert.equal(seen.opened, true, 'window.open is denied');
    assert.equal(app.windows().length, 1);
    assert.deepEqual(await tryToLeave(app, win, 'https://example.com/'), { url: 'https://example.com/', prevented: true }, 'navigation away is refused');
    assert.match(win.url(), /^delineate-app:\/\/app\//);
    mkdirSync(artifactsDir, { recursive: true });
    await win.screenshot({ path: join(artifactsDir, 'electron-window.png') });
  } finally {
    await app.close();
  }
});
