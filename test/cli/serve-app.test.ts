// `delineate serve` and `delineate app` as a user runs them: the printed address answers, the
// demo model and project on a first start, why there is no desktop window, and a clean stop.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { electronBinary } from '../../main/cli/app.ts';
import { tempDir } from '../helpers/temp-store.ts';

const bin = fileURLToPath(new URL('../../main/delineate.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));

/** Runs a long-lived command until it has printed everything up to "press Ctrl-C"; `stop` (also run when the test ends) sends SIGTERM. */
function start(t: TestContext, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DELINEATE_PROVIDER: 'cpu', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address after 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', () => {
      const m = out.match(/running at (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m && /press Ctrl-C to stop/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} first:\n${out}\n${err}`));
    });
  });
  const stop = async () => (child.kill('SIGTERM'), exited);
  t.after(stop); // a failed assertion must not leave the server running (and the test runner waiting on it)
  return { url, output: () => ({ out, err }), stop };
}

/** One API call; these tests only make calls that succeed, so the answer is typed as ok. */
const call = async <T>(url: string, op: string, body: unknown = null): Promise<{ ok: true; value: T }> => {
  const res = await fetch(new URL(`api/${op}`, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { ok: true; value: T };
};
type Info = { dataDir: string; demo: boolean; model: { source: string } };

test('serve prints its address, answers there, and stops cleanly on SIGTERM', async (t) => {
  const data = tempDir(t);
  const s = start(t, ['serve', '--port', '0', '--data', data, '--model', fixture]);
  const url = await s.url;
  assert.match(s.output().out, /^Delineate is running at http:\/\/127\.0\.0\.1:\d+\/$/m);
  assert.deepEqual(await call(url, 'createProject', { name: 'served' }), { ok: true, value: (await call<unknown[]>(url, 'listProjects')).value[0] });
  const info = await call<Info>(url, 'appInfo');
  assert.equal(info.value.dataDir, data);
  assert.equal(await s.stop(), 0);
  assert.match(s.output().err, /stopping \(SIGTERM\)…\nstopped/);
});

test('serve refuses a bad port with a usage error', () => {
  const r = spawnSync(process.execPath, [bin, 'serve', '--port', '70000'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port must be at most 65535, got 70000/);
});

test('app without a model uses the demo model, makes the Demo project and says why it runs in a browser', async (t) => {
  const data = tempDir(t);
  const resources = tempDir(t, 'delineate-resources-');
  const model = join(resources, 'demo', 'model');
  mkdirSync(model, { recursive: true });
  for (const f of readdirSync(fixture)) if (statSync(join(fixture, f)).isFile()) copyFileSync(join(fixture, f), join(model, f));
  mkdirSync(join(resources, 'demo', 'images'));
  writeFileSync(join(resources, 'demo', 'images', 'demo.png'), encode({ width: 8, height: 8, data: new Uint8Array(64).fill(90), channels: 1, depth: 8 }));
  // where Electron's binary exists, --web keeps this test in the browser version
  const electron = electronBinary();
  const args = ['app', '--no-open', '--port', '0', '--data', data, ...('path' in electron ? ['--web'] : [])];
  const s = start(t, args, { DELINEATE_RESOURCES: resources });
  const url = await s.url;
  const { out } = s.output();
  if ('path' in electron) assert.match(out, /because you asked for the browser version \(--web\)/);
  else assert.match(out, /It opens in your browser because Electron's binary is not downloaded here \(.*node node_modules\/electron\/install\.js\)\./);
  assert.match(out, /tiny DEMO model/);
  assert.match(out, /Install the real model with:\n {2}npx delineate model download/);
  assert.match(out, /Created the project "Demo"/);
  let projects: { name: string; images: number }[] = [];
  for (let i = 0; i < 100 && !(projects[0]?.images > 0); i++) {
    projects = (await call<typeof projects>(url, 'listProjects')).value;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(projects.map((p) => [p.name, p.images]), [['Demo', 1]]);
  const info = await call<Info>(url, 'appInfo');
  assert.deepEqual([info.value.demo, info.value.model.source], [true, 'demo']);
  assert.equal(await s.stop(), 0);
});
