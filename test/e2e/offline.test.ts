// The app makes no request beyond this computer. The work is done through the UI, as a user does
// it (open, prompt, edit, accept, export). Every request the page makes (API calls, images, the
// events socket) is recorded at the browser context's routing and on the page; every connection
// and name lookup the server's Node process starts is recorded by a loopback-only guard loaded
// into it (helpers/loopback-guard.mjs, tested in loopback-guard.test.ts). Any address that is not
// loopback fails the test. A request planted to a remote host proves the page's recorder sees
// (and blocks) what it should.

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encode } from 'fast-png';
import type { Locator } from 'playwright-core';
import { tempDir } from '../helpers/temp-store.ts';
import { withApp } from './helpers/app.ts';

const GUARD = pathToFileURL(fileURLToPath(new URL('./helpers/loopback-guard.mjs', import.meta.url))).href;

/** Addresses that stay on this computer (or inside the page). */
export function isLocal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || url === 'about:blank') return true;
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return false;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

test('isLocal accepts loopback and in-page URLs only', () => {
  for (const url of ['http://127.0.0.1:4640/', 'ws://127.0.0.1:1/events', 'http://localhost:9/x', 'http://[::1]:5/', 'data:image/png;base64,AA==', 'blob:http://127.0.0.1:4640/uuid', 'about:blank']) assert.ok(isLocal(url), url);
  for (const url of ['https://fonts.googleapis.com/css', 'http://127.0.0.2/', 'http://10.0.0.1/', 'http://localhost.evil.example/', 'wss://example.com/', 'ftp://127.0.0.1/', 'file:///etc/passwd', 'not a url']) assert.ok(!isLocal(url), url);
});

test('working through the UI (open, prompt, edit, accept, export), neither the page nor the server reaches past 127.0.0.1', { timeout: 180_000 }, async (t) => {
  const routed: string[] = [];
  const seen: string[] = [];
  const work = tempDir(t, 'delineate-offline-');
  const netLog = join(work, 'server-net.log');
  const images = join(work, 'scans');
  mkdirSync(images);
  const pixels = new Uint8Array(48 * 48).map((_, i) => ((i % 48) >= 12 && (i % 48) < 36 && i >= 12 * 48 && i < 36 * 48 ? 220 : 30));
  writeFileSync(join(images, 'square.png'), encode({ width: 48, height: 48, data: pixels, channels: 1, depth: 8 }));
  const exportDir = join(work, 'export');

  await withApp(async ({ page, served, shot, consoleErrors }) => {
    const visible = (l: Locator, timeout = 20_000) => l.waitFor({ state: 'visible', timeout });
    await visible(page.getByRole('button', { name: 'New project' }));
    await page.waitForLoadState('networkidle');
    await shot('offline-loaded');

    // open: a project, an import through the dialog, the image in the workspace
    await page.getByRole('button', { name: 'New project' }).click();
    const create = page.getByRole('dialog', { name: 'New project' });
    await create.getByLabel('Project name').fill('Offline');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const importing = page.getByRole('dialog', { name: 'Import images' });
    await importing.getByLabel('Paths to import').fill(images);
    await importing.getByRole('button', { name: 'Start import' }).click();
    await visible(importing.getByText('1 image imported'), 30_000);
    await importing.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('option', { name: 'square.png', exact: true }).click();
    await visible(page.getByRole('img', { name: 'Image viewer' }));

    // prompt, then edit: the model's mask taken, then grown by the brush
    await page.getByRole('textbox', { name: 'Prompt' }).fill('bright square');
    await page.getByRole('button', { name: 'Use this mask', disabled: false }).click({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Brush', exact: true }).click();
    const box = (await page.getByRole('img', { name: 'Image viewer' }).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 12 });
    await page.mouse.up();

    // accept, then export through the dialog
    await page.getByRole('button', { name: 'Accept' }).click();
    await visible(page.getByRole('status').getByText('Saved as the corrected mask'));
    await page.getByRole('button', { name: 'Close image' }).click();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const exporting = page.getByRole('dialog', { name: 'Export masks' });
    await exporting.getByLabel('Output folder').fill(exportDir);
    await exporting.getByRole('button', { name: 'Start export' }).click();
    await visible(exporting.getByLabel('Export folder'), 30_000);
    assert.equal(readdirSync(exportDir).filter((f) => f.endsWith('.png')).length, 1, 'the export wrote the corrected mask');
    await exporting.getByRole('button', { name: 'Done' }).click();
    await page.reload({ waitUntil: 'networkidle' });
    await shot('offline-after-work');

    // the page: every request it made stayed on this computer, and the work went through it
    const outside = [...new Set([...routed, ...seen])].filter((u) => !isLocal(u));
    assert.deepEqual(outside, [], `the page requested addresses outside this computer:\n${outside.join('\n')}`);
    assert.ok(seen.some((u) => /\/main\.js$/.test(u)), `the bundle was loaded: ${seen.join(', ')}`);
    for (const op of ['createProject', 'importPaths', 'previewMask', 'saveModelMask', 'saveCorrectedMask', 'exportMasks']) {
      assert.ok(seen.some((u) => u.endsWith(`/api/${op}`)), `the UI called ${op}`);
    }
    assert.ok(seen.some((u) => /\/events$/.test(u) && u.startsWith('ws://127.0.0.1:')), 'job events came over the loopback socket');

    // the server: guarded from its first line, and what it connected to or looked up was loopback
    const entries = readFileSync(netLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number; kind: string; host?: string; path?: string; allowed?: boolean });
    assert.ok(entries.some((e) => e.kind === 'guard' && e.pid === served.child.pid), `the server process (pid ${served.child.pid}) ran under the guard`);
    const reached = entries.filter((e) => e.kind !== 'guard');
    assert.deepEqual(reached.filter((e) => e.allowed !== true), [], 'the server tried to reach past loopback');
    t.diagnostic(`server connections and lookups, all loopback: ${reached.length}`);

    // a script's request to a remote host never leaves: the page's CSP refuses it
    const fetched = await page.evaluate(() => fetch('https://example.com/beacon').then(() => 'sent', () => 'refused'));
    assert.equal(fetched, 'refused');
    assert.ok(consoleErrors.some((m) => /example\.com.*Content Security Policy/.test(m)), consoleErrors.join('\n'));
    consoleErrors.length = 0; // planted on purpose: not the app breaking its policy
    // a navigation is not the CSP's business: the recorder sees it and the route blocks it
    await page.goto('https://example.com/planted').catch(() => {});
    assert.deepEqual([...new Set([...routed, ...seen])].filter((u) => !isLocal(u)), ['https://example.com/planted']);
  }, {
    name: 'offline',
    env: { NODE_OPTIONS: `--import=${GUARD}`, DELINEATE_NET_GUARD_LOG: netLog },
    beforeLoad: async ({ context, page }) => {
      await context.route('**/*', (route) => {
        const url = route.request().url();
        routed.push(url);
        return isLocal(url) ? route.continue() : route.abort('blockedbyclient');
      });
      page.on('request', (r) => void seen.push(r.url()));
      page.on('websocket', (ws) => void seen.push(ws.url()));
    },
  });
});
