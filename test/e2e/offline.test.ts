// The app makes no request beyond this computer: every request the page makes while loading and
// while working (API calls, images, the events socket) is recorded at the browser context's
// routing and on the page, and any address that is not loopback fails the test. A request planted
// to a remote host proves the recorder sees (and blocks) what it should.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encode } from 'fast-png';
import { withApp } from './helpers/app.ts';

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

/** The bits of the DOM the page-side functions use (this tsconfig has Node's types, not the DOM's). */
interface Dom {
  document: { getElementById(id: string): { childElementCount: number } | null };
  Image: new () => { src: string; decode(): Promise<void>; naturalWidth: number; naturalHeight: number };
}
type Answer = { ok: true; value: unknown } | { ok: false; error: { message: string } };

test('isLocal accepts loopback and in-page URLs only', () => {
  for (const url of ['http://127.0.0.1:4640/', 'ws://127.0.0.1:1/events', 'http://localhost:9/x', 'http://[::1]:5/', 'data:image/png;base64,AA==', 'blob:http://127.0.0.1:4640/uuid', 'about:blank']) assert.ok(isLocal(url), url);
  for (const url of ['https://fonts.googleapis.com/css', 'http://127.0.0.2/', 'http://10.0.0.1/', 'http://localhost.evil.example/', 'wss://example.com/', 'ftp://127.0.0.1/', 'file:///etc/passwd', 'not a url']) assert.ok(!isLocal(url), url);
});

test('loading the app and working in it requests nothing but 127.0.0.1', async () => {
  const routed: string[] = [];
  const seen: string[] = [];
  await withApp(async ({ page, dataDir, shot, consoleErrors }) => {
    await page.waitForFunction(() => ((globalThis as unknown as Dom).document.getElementById('root')?.childElementCount ?? 0) > 0, undefined, { timeout: 20_000 });
    await page.waitForLoadState('networkidle');
    await shot('offline-loaded');

    // a few operations the way the UI makes them: JSON API calls, an import job, an image
    const images = join(dataDir, 'to-import');
    mkdirSync(images);
    writeFileSync(join(images, 'a.png'), encode({ width: 16, height: 16, data: new Uint8Array(256).map((_, i) => i), channels: 1, depth: 8 }));
    const imageId = await page.evaluate(async (folder) => {
      const call = async (op: string, body: unknown) => {
        const res = await fetch(`/api/${op}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        const r = (await res.json()) as Answer;
        if (!r.ok) throw new Error(`${op}: ${r.error.message}`);
        return r.value;
      };
      const project = (await call('createProject', { name: 'Offline' })) as { id: number };
      await call('importPaths', { projectId: project.id, paths: [folder] });
      for (let i = 0; i < 200; i++) {
        const page = (await call('listImages', { projectId: project.id })) as { total: number; images: { id: number }[] };
        if (page.total > 0) return page.images[0].id;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the import did not finish');
    }, images);
    const loaded = await page.evaluate(async (id) => {
      const img = new (globalThis as unknown as Dom).Image();
      img.src = `/media/thumb/${id}`;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, imageId);
    assert.deepEqual(loaded, [16, 16]);
    await page.reload({ waitUntil: 'networkidle' });
    await shot('offline-after-operations');

    const outside = [...new Set([...routed, ...seen])].filter((u) => !isLocal(u));
    assert.deepEqual(outside, [], `the app requested addresses outside this computer:\n${outside.join('\n')}`);
    assert.ok(seen.some((u) => /\/main\.js$/.test(u)), `the bundle was loaded: ${seen.join(', ')}`);
    assert.ok(seen.some((u) => /\/api\/importPaths$/.test(u)) && seen.some((u) => /\/media\/thumb\/\d+$/.test(u)), 'the operations were recorded');

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
