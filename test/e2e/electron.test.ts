// The desktop shell under Playwright's Electron driver: the window shows the bundle from
// delineate-app://app/, window.delineate reaches the core over IPC, the page has no Node, and
// navigation and new windows are refused. Electron's binary is not downloaded on every machine
// (its npm package fetches it at install time); there the test is skipped with that reason.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import { electronMain, ensureBundles } from '../../main/app/renderer-bundle.ts';
import { electronBinary } from '../../main/cli/app.ts';
import { OPERATIONS } from '../../main/api/operations.ts';
import type { DesktopApi } from '../../electron/bridge-api.ts';
import { artifactsDir, fixtureModel } from './helpers/app.ts';

interface PageGlobals {
  delineate: DesktopApi;
  require?: unknown;
  process?: unknown;
  location: { href: string };
  open(url: string): unknown;
}

test('the Electron shell: IPC bridge to the core, no Node in the page, navigation and windows refused', async (t) => {
  const electron = electronBinary();
  if (!('path' in electron)) {
    t.skip(`Electron binary not downloaded on this machine: ${electron.reason}`);
    return;
  }
  ensureBundles();
  const dataDir = mkdtempSync(join(tmpdir(), 'delineate-electron-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  const app = await _electron.launch({
    executablePath: electron.path,
    args: [electronMain],
    env: { ...env, DELINEATE_DATA: dataDir, DELINEATE_APP_MODEL: fixtureModel, DELINEATE_PROVIDER: 'cpu' },
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
    await win.evaluate(() => void ((globalThis as unknown as PageGlobals).location.href = 'https://example.com/'));
    await new Promise((r) => setTimeout(r, 500));
    assert.match(win.url(), /^delineate-app:\/\/app\//, 'navigation away is refused');
    mkdirSync(artifactsDir, { recursive: true });
    await win.screenshot({ path: join(artifactsDir, 'electron-window.png') });
  } finally {
    await app.close();
  }
});
