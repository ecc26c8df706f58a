// Every transport covers exactly the API's operations: the list itself against the contract's
// source text, Electron's IPC handlers and preload bridge (with fake ipcMain/ipcRenderer, and the
// built preload bundle in a VM), the web host's routes and the web bridge.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import type { ApiResult, DelineateApi, JobEvent } from '../../main/contract/contract.ts';
import { createApi } from '../../main/api/handlers.ts';
import { OPERATIONS, isOperation } from '../../main/contract/operations.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import { startWebHost } from '../../main/web/web-host.ts';
import { desktopApi } from '../../electron/bridge-api.ts';
import { registerApiHandlers, trustedSender, type IpcMainLike } from '../../electron/ipc.ts';
import { createWebBridge } from '../../renderer/bridge/web-bridge.ts';
import { tempStore } from '../helpers/temp-store.ts';

const root = new URL('../../', import.meta.url);

/** The method names declared in DelineateApi, read from the source (independent of the runtime list). */
function contractMethods(): string[] {
  const src = readFileSync(new URL('main/contract/contract.ts', root), 'utf8');
  const body = src.slice(src.indexOf('export interface DelineateApi {'));
  const block = body.slice(0, body.indexOf('\n}\n'));
  return [...block.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]).sort();
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** An API whose every operation records its name and request and answers ok. */
function recordingApi(calls: [string, unknown][]): DelineateApi {
  const api: Record<string, unknown> = Object.fromEntries(OPERATIONS.map((op) => [op, async (req: unknown) => (calls.push([op, req]), { ok: true, value: op })]));
  api.onJobEvent = () => () => {};
  return api as unknown as DelineateApi;
}

test('the operation list is the contract\'s methods but onJobEvent, and the core implements exactly those', (t) => {
  assert.deepEqual(sorted([...OPERATIONS, 'onJobEvent']), contractMethods());
  assert.equal(new Set(OPERATIONS).size, OPERATIONS.length);
  assert.ok(OPERATIONS.includes('appInfo') && OPERATIONS.includes('importPaths') && OPERATIONS.includes('listDir'));
  for (const name of ['onJobEvent', 'constructor', '__proto__', 'hasOwnProperty', 'toString']) assert.equal(isOperation(name), false, name);
  const { store } = tempStore(t);
  const api = createApi({ store, queue: new JobQueue(store, {}), inference: () => assert.fail('not used'), jobKinds: [] });
  assert.deepEqual(sorted(Object.keys(api)), contractMethods());
});

test('IPC: one handler per operation, answering only the app\'s own top frame', async () => {
  const handlers = new Map<string, Parameters<IpcMainLike['handle']>[1]>();
  const calls: [string, unknown][] = [];
  const channels = registerApiHandlers({ handle: (channel, fn) => void handlers.set(channel, fn) }, recordingApi(calls));
  assert.deepEqual(sorted(handlers.keys()), sorted(OPERATIONS.map((op) => `api:${op}`)));
  assert.deepEqual(sorted(channels), sorted(handlers.keys()));
  const app = { url: 'delineate-app://app/index.html', parent: null };
  for (const op of OPERATIONS) {
    const r = (await handlers.get(`api:${op}`)!({ senderFrame: app }, { probe: op })) as ApiResult<string>;
    assert.deepEqual(r, { ok: true, value: op });
  }
  assert.deepEqual(calls, OPERATIONS.map((op) => [op, { probe: op }]));
  calls.length = 0;
  for (const frame of [null, { url: 'https://evil.example/', parent: null }, { url: 'delineate-app://app/', parent: app }, { url: 'file:///work/renderer/dist/index.html', parent: null }]) {
    const r = (await handlers.get('api:listProjects')!({ senderFrame: frame }, undefined)) as ApiResult<unknown>;
    assert.ok(!r.ok && r.error.code === 'invalid' && /not Delineate's/.test(r.error.message), JSON.stringify(frame));
  }
  assert.equal(calls.length, 0, 'no refused call reached the API');
});

test('trustedSender accepts only delineate-app://app top frames', () => {
  const top = (url: string) => ({ url, parent: null });
  assert.equal(trustedSender(top('delineate-app://app/index.html')), true);
  assert.equal(trustedSender(top('delineate-app://app/projects/3')), true);
  for (const url of ['delineate-app://evil/index.html', 'delineate-app://app.evil/x', 'http://127.0.0.1:4640/', 'file:///index.html', 'delineate-media://thumb/1', 'not a url', '']) {
    assert.equal(trustedSender(top(url)), false, url);
  }
  assert.equal(trustedSender({ url: 'delineate-app://app/index.html', parent: {} }), false, 'a sub-frame');
  assert.equal(trustedSender(null), false);
});

/** A fake ipcRenderer recording invokes and listeners. */
function fakeIpcRenderer() {
  const invoked: [string, unknown[]][] = [];
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  return {
    invoked,
    listeners,
    ipc: {
      invoke: async (channel: string, ...args: unknown[]) => (invoked.push([channel, args]), channel),
      on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(l),
      removeListener: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => listeners.get(channel)?.delete(l),
    },
  };
}

test('the preload bridge has one function per operation plus onJobEvent and chooseFolder', async () => {
  const fake = fakeIpcRenderer();
  const api = desktopApi(fake.ipc);
  assert.deepEqual(sorted(Object.keys(api)), sorted([...OPERATIONS, 'onJobEvent', 'chooseFolder']));
  for (const op of OPERATIONS) assert.equal(await (api[op] as (r: unknown) => Promise<unknown>)({ probe: op }), `api:${op}`);
  assert.deepEqual(fake.invoked, OPERATIONS.map((op) => [`api:${op}`, [{ probe: op }]]));
  const seen: JobEvent[] = [];
  const off = api.onJobEvent((e) => seen.push(e));
  const event: JobEvent = { type: 'log', jobId: 1, line: 'hello', at: 'now' };
  for (const l of fake.listeners.get('job-event')!) l({ sender: 'ipc internals' }, event);
  assert.deepEqual(seen, [event], 'the listener gets the event, not the IPC event object');
  off();
  assert.equal(fake.listeners.get('job-event')!.size, 0);
  assert.equal(await api.chooseFolder(), 'dialog:chooseFolder');
});

test('the built preload bundle exposes window.delineate with exactly those functions', async () => {
  // the shell alone, so a renderer mid-edit cannot fail this test
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('scripts/build-renderer.mjs', root)), '--only', 'electron'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const code = readFileSync(new URL('electron/dist/preload.cjs', root), 'utf8');
  const fake = fakeIpcRenderer();
  const exposed = new Map<string, Record<string, unknown>>();
  const electron = { contextBridge: { exposeInMainWorld: (key: string, value: Record<string, unknown>) => exposed.set(key, value) }, ipcRenderer: fake.ipc };
  const required: string[] = [];
  runInNewContext(code, { require: (m: string) => (required.push(m), m === 'electron' ? electron : assert.fail(`the preload requires ${m}`)), module: {}, exports: {} });
  assert.deepEqual(required, ['electron'], 'a sandboxed preload may require electron only');
  assert.deepEqual([...exposed.keys()], ['delineate']);
  const api = exposed.get('delineate')!;
  assert.deepEqual(sorted(Object.keys(api)), sorted([...OPERATIONS, 'onJobEvent', 'chooseFolder']));
  for (const op of OPERATIONS) await (api[op] as (r: unknown) => Promise<unknown>)({ probe: op });
  assert.deepEqual(fake.invoked.map(([c]) => c), OPERATIONS.map((op) => `api:${op}`));
});

test('the web host routes every operation to the same-named method, and the web bridge calls each', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-ops-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  const calls: [string, unknown][] = [];
  const host = await startWebHost({ core: { api: recordingApi(calls) }, rendererDir: dir });
  t.after(() => host.close());
  const bridge = createWebBridge({ base: host.url, openSocket: () => assert.fail('no events here') });
  assert.deepEqual(sorted(Object.keys(bridge)), contractMethods());
  for (const op of OPERATIONS) {
    const r = await (bridge[op] as (req: unknown) => Promise<ApiResult<string>>)({ probe: op });
    assert.deepEqual(r, { ok: true, value: op });
  }
  assert.deepEqual(calls, OPERATIONS.map((op) => [op, { probe: op }]));
  const unknown = await fetch(new URL('api/onJobEvent', host.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(unknown.status, 404);
});
