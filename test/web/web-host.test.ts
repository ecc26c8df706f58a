// The web host in-process: the real core (temp data folder, tiny model) behind it, the web
// bridge in front, and raw HTTP for the checks a browser would never let a page make.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode, encode } from 'fast-png';
import { WebSocket } from 'ws';
import type { DelineateApi, JobEvent, JobInfo } from '../../main/contract/contract.ts';
import { openCore, type Core } from '../../main/core.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/web/security.ts';
import { startWebHost, type WebHost } from '../../main/web/web-host.ts';
import { createWebBridge, type SocketLike } from '../../renderer/bridge/web-bridge.ts';

const model = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const W = 40;
const H = 30;
/** The image imported: a gradient whose every pixel is known. */
const gray = new Uint8Array(W * H).map((_, i) => ((i % W) * 5 + Math.floor(i / W) * 3) & 255);

let dir: string;
let core: Core;
let host: WebHost;
let api: DelineateApi;
let origin: string;
let socketOpened: Promise<void>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delineate-web-'));
  mkdirSync(join(dir, 'bundle'));
  writeFileSync(join(dir, 'bundle', 'index.html'), '<!doctype html><title>bundle</title><div id="root"></div>');
  writeFileSync(join(dir, 'bundle', 'app.js'), 'console.log("app");');
  mkdirSync(join(dir, 'images', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'images', 'gradient.png'), encode({ width: W, height: H, data: gray, channels: 1, depth: 8 }));
  writeFileSync(join(dir, 'images', 'notes.txt'), 'not an image');
  writeFileSync(join(dir, 'images', '.hidden.png'), encode({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 }));
  core = openCore({ data: join(dir, 'data'), model, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  host = await startWebHost({ core, port: 0, rendererDir: join(dir, 'bundle'), maxBodyBytes: 64 * 1024 });
  origin = host.url.replace(/\/$/, '');
  let opened!: () => void;
  socketOpened = new Promise((r) => (opened = r));
  api = createWebBridge({
    base: host.url,
    openSocket: (url) => {
      const ws = new WebSocket(url, { origin });
      ws.once('open', () => opened());
      return ws as unknown as SocketLike; // ws's onopen/onmessage/onclose match the browser's
    },
  });
});

after(async () => {
  await host?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function raw(o: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, method: o.method ?? 'GET', path: o.path ?? '/', headers: o.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const post = (op: string, body: unknown, headers: Record<string, string> = {}) =>
  raw({ method: 'POST', path: `/api/${op}`, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function bytes(path: string): Promise<{ status: number; type: string | null; body: Uint8Array }> {
  const res = await fetch(new URL(path, host.url));
  return { status: res.status, type: res.headers.get('content-type'), body: new Uint8Array(await res.arrayBuffer()) };
}

/** Byte equality whatever the view (the store hands out Buffers, the bridge Uint8Arrays). */
const sameBytes = (a: Uint8Array, b: Uint8Array, what: string) => assert.deepEqual(new Uint8Array(a), new Uint8Array(b), what);

const value = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

function refused(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

test('listens on 127.0.0.1 only', async () => {
  assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(await refused('127.0.0.1', host.port), 'connected');
  // Probed from every other address this host has: 127.0.0.2 (on Linux all of 127/8 is loopback),
  // ::1 and the real interfaces. A server bound to every interface is the control: the probe must
  // reach it on some address, or the check below would pass on a host with nothing to probe from.
  const others = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal).map((a) => a!.address);
  const probes = ['127.0.0.2', '::1', ...others];
  const control = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => control.listen(0, resolve)); // no host: '::' (dual stack), else 0.0.0.0
  const controlPort = (control.address() as AddressInfo).port;
  const reachable: string[] = [];
  for (const address of probes) if ((await refused(address, controlPort)) === 'connected') reachable.push(address);
  await new Promise((resolve) => control.close(resolve));
  assert.ok(reachable.length > 0, `none of ${probes.join(', ')} reaches a server listening on every interface: nothing to probe the host from`);
  for (const address of reachable) assert.notEqual(await refused(address, host.port), 'connected', `reachable on ${address}`);
});

test('operations round-trip through the web bridge, bytes both ways, with job events over the WebSocket', async () => {
  const events: JobEvent[] = [];
  const stop = api.onJobEvent((e) => events.push(e));
  await socketOpened;

  const project = value(await api.createProject({ name: 'Web' }));
  assert.deepEqual(value(await api.listProjects()).map((p) => p.name), ['Web']);

  const relative = await api.importPaths({ projectId: project.id, paths: ['images/gradient.png'] });
  assert.ok(!relative.ok && relative.error.code === 'invalid' && /absolute/.test(relative.error.message), JSON.stringify(relative));
  const job = value(await api.importPaths({ projectId: project.id, paths: [join(dir, 'images', 'gradient.png')] }));
  const done = await new Promise<JobInfo>((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const check = () => events.find((e): e is Extract<JobEvent, { type: 'state' }> => e.type === 'state' && e.job.id === job.id && e.job.state === 'done')?.job;
    const timer = setInterval(() => {
      const j = check();
      if (j) {
        clearInterval(timer);
        resolve(j);
      } else if (Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`job ${job.id} did not end within 20 s; events: ${JSON.stringify(events)}`));
      }
    }, 20);
  });
  stop();
  const states = events.filter((e) => e.type === 'state' && e.job.id === job.id).map((e) => (e as Extract<JobEvent, { type: 'state' }>).job.state);
  assert.deepEqual(states, ['queued', 'running', 'done']);
  assert.ok(events.some((e) => e.type === 'progress' && e.jobId === job.id), 'progress events arrive');
  assert.deepEqual(done.result, { imported: 1, duplicates: 0, failed: 0, failures: [], datasets: 0, masks: 0, labels: 0 });

  const page = value(await api.listImages({ projectId: project.id }));
  assert.equal(page.total, 1);
  const image = page.images[0];
  assert.deepEqual([image.fileName, image.width, image.height, image.frames], ['gradient.png', W, H, 1]);

  // the thumbnail: the same bytes from the core directly, through the bridge (base64) and as /media
  const direct = value(await core.api.getThumbnail({ imageId: image.id }));
  const viaBridge = value(await api.getThumbnail({ imageId: image.id }));
  assert.ok(viaBridge instanceof Uint8Array);
  sameBytes(viaBridge, direct, 'thumbnail through the bridge');
  const media = await bytes(`/media/thumb/${image.id}`);
  assert.equal(media.status, 200);
  assert.equal(media.type, 'image/png');
  sameBytes(media.body, direct, '/media/thumb');

  // a frame decodes to the very pixels imported
  const frame = value(await api.getImageFrame({ imageId: image.id, frame: 0 }));
  const decoded = decode(frame.png);
  assert.deepEqual([frame.width, frame.height, decoded.width, decoded.height, decoded.channels], [W, H, W, H, 1]);
  assert.deepEqual(new Uint8Array(decoded.data), gray);
  sameBytes((await bytes(`/media/frame/${image.id}/0`)).body, frame.png, '/media/frame');
  assert.equal((await bytes(`/media/frame/${image.id}/1`)).status, 400, 'frame 1 of a one-frame image is invalid');
  assert.equal((await bytes('/media/thumb/999')).status, 404);
  assert.equal((await bytes('/media/thumb/abc')).status, 404);

  // a mask goes up as bytes and comes back equal
  const pixels = new Uint8Array(W * H).map((_, i) => (i % W >= 10 && i % W < 25 && Math.floor(i / W) >= 5 && Math.floor(i / W) < 20 ? 1 : 0));
  const saved = value(await api.saveCorrectedMask({ imageId: image.id, frame: 0, mask: { width: W, height: H, pixels } }));
  assert.equal(saved.area, 15 * 15);
  const back = value(await api.getMask({ maskId: saved.id }));
  sameBytes(back.pixels, pixels, 'mask pixels');

  // the model's preview through the bridge equals the core's own answer
  const viaWeb = value(await api.previewMask({ imageId: image.id, prompt: 'a gradient' }));
  const local = value(await core.api.previewMask({ imageId: image.id, prompt: 'a gradient' }));
  sameBytes(viaWeb.pixels, local.pixels, 'preview pixels');
  assert.equal(viaWeb.pixels.length, W * H);

  // error values cross the wire as values
  const missing = await api.getThumbnail({ imageId: 999 });
  assert.ok(!missing.ok && missing.error.code === 'not-found', JSON.stringify(missing));
});

test('appInfo describes the data folder, the model named at start and the providers present', async () => {
  const info = value(await api.appInfo());
  assert.equal(info.dataDir, join(dir, 'data'));
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.equal(info.model?.name, 'clipseg-tiny');
  assert.equal(info.model?.source, 'folder');
  assert.equal(info.model?.size, statSync(join(model, 'model.safetensors')).size);
  assert.match(info.model!.id, /^clipseg-tiny@[0-9a-f]{12}$/);
  assert.equal(info.providers.at(-1), 'cpu');
  assert.equal(info.gpu, info.providers.length > 1);
  assert.equal(info.demo, false);
});

test('listDir shows sub-folders and files import recognises, not hidden or other files', async () => {
  const listing = value(await api.listDir({ path: join(dir, 'images') }));
  assert.deepEqual(listing, {
    path: join(dir, 'images'),
    parent: dir,
    entries: [
      { name: 'sub', path: join(dir, 'images', 'sub'), kind: 'folder' },
      { name: 'gradient.png', path: join(dir, 'images', 'gradient.png'), kind: 'png' },
    ],
    truncated: false,
  });
  const relative = await api.listDir({ path: 'images' });
  assert.ok(!relative.ok && relative.error.code === 'invalid');
  const file = await api.listDir({ path: join(dir, 'images', 'gradient.png') });
  assert.ok(!file.ok && /is not a folder/.test(file.error.message));
  const root = value(await api.listDir({ path: '/' }));
  assert.equal(root.parent, null);
});

test('a Host header other than 127.0.0.1:PORT or localhost:PORT is refused (DNS rebinding)', async () => {
  for (const hostHeader of ['evil.example', `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, `0.0.0.0:${host.port}`]) {
    const r = await raw({ path: '/', headers: { host: hostHeader } });
    assert.equal(r.status, 403, hostHeader);
    assert.match(r.body, /Host header must be/);
    const p = await post('createProject', { name: `rebound ${hostHeader}` }, { host: hostHeader });
    assert.equal(p.status, 403);
  }
  assert.equal((await raw({ path: '/', headers: { host: `localhost:${host.port}` } })).status, 200);
  assert.equal((await raw({ path: '/', headers: { host: `LOCALHOST:${host.port}` } })).status, 200);
  assert.ok(!value(await api.listProjects()).some((p) => p.name.startsWith('rebound')), 'no request with a foreign Host reached the core');
});

test('POSTs from another origin, cross-site fetches and non-JSON bodies are refused', async () => {
  const before = value(await api.listProjects()).length;
  const foreign = await post('createProject', { name: 'csrf' }, { origin: 'http://evil.example' });
  assert.equal(foreign.status, 403);
  assert.deepEqual(JSON.parse(foreign.body).ok, false);
  assert.equal((await post('createProject', { name: 'csrf2' }, { origin: `http://127.0.0.1:${host.port + 1}` })).status, 403);
  assert.equal((await post('createProject', { name: 'csrf3' }, { 'sec-fetch-site': 'cross-site' })).status, 403);
  const form = await raw({ method: 'POST', path: '/api/createProject', headers: { 'content-type': 'text/plain' }, body: '{"name":"csrf4"}' });
  assert.equal(form.status, 415);
  assert.equal(value(await api.listProjects()).length, before, 'nothing was created');
  const own = await post('createProject', { name: 'same origin' }, { origin: `http://localhost:${host.port}`, 'sec-fetch-site': 'same-origin' });
  assert.equal(own.status, 200);
  assert.equal(JSON.parse(own.body).ok, true);
});

test('WebSocket handshakes from another origin, host or path are refused', async () => {
  const attempt = (path: string, headers: { origin?: string; host?: string }) =>
    new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, { origin: headers.origin, headers: headers.host ? { host: headers.host } : {} });
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', () => {});
    });
  assert.equal(await attempt('/events', { origin: 'http://evil.example' }), 403);
  assert.equal(await attempt('/events', { origin, host: 'evil.example' }), 403);
  assert.equal(await attempt('/other', { origin }), 403);
  assert.equal(await attempt('/events', { origin }), 'open');
});

test('unknown operations are 404 ApiResult errors; wrong method, bad JSON and large bodies are refused', async () => {
  for (const op of ['nope', 'onJobEvent', '__proto__', 'constructor', 'toString', 'listProjects/extra']) {
    const r = await post(op, {});
    assert.equal(r.status, 404, op);
    const body = JSON.parse(r.body);
    assert.equal(body.ok, false);
    assert.equal(body.error.code, 'not-found');
  }
  const get = await raw({ path: '/api/listProjects' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  const bad = await raw({ method: 'POST', path: '/api/createProject', headers: { 'content-type': 'application/json' }, body: '{"name":' });
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).error.code, 'invalid');
  const big = await post('createProject', { name: 'x'.repeat(70 * 1024) });
  assert.equal(big.status, 413);
  assert.match(JSON.parse(big.body).error.message, /larger than 65536 bytes/);
  const malformed = await post('createProject', null);
  assert.equal(malformed.status, 200);
  assert.equal(JSON.parse(malformed.body).error.code, 'invalid');
});

test('the bundle is served with a strict CSP, nosniff and index.html uncached; nothing outside it', async () => {
  const index = await raw({ path: '/' });
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cache-control'], 'no-store');
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  const csp = index.headers['content-security-policy'] as string;
  assert.equal(csp, CONTENT_SECURITY_POLICY);
  for (const directive of ["default-src 'self'", "img-src 'self' data: blob:", "style-src 'self' 'unsafe-inline'", "connect-src 'self' ws://127.0.0.1:*"]) {
    assert.ok(csp.split('; ').some((d) => d.startsWith(directive)), `CSP has ${directive}`);
  }
  assert.ok(!/script-src|'unsafe-eval'/.test(csp), 'scripts fall back to default-src self');
  const js = await raw({ path: '/app.js' });
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.body, 'console.log("app");');
  const route = await raw({ path: '/projects/3' });
  assert.equal(route.body, index.body, 'app routes get index.html');
  assert.equal((await raw({ path: '/missing.js' })).status, 404);
  for (const path of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/..%5c..%5cpackage.json', '/a%00.js']) {
    const r = await raw({ path });
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.ok(!r.body.includes('"name"'), path);
  }
  assert.equal((await raw({ method: 'DELETE', path: '/' })).status, 405);
});

test('/favicon.ico is the app icon: an ICO whose entries are PNGs of its stated sizes', async () => {
  const res = await fetch(new URL('/favicon.ico', host.url));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/x-icon');
  const ico = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...ico.subarray(0, 4)], [0, 0, 1, 0], 'ICO header');
  const count = ico.readUInt16LE(4);
  assert.ok(count >= 1);
  for (let i = 0; i < count; i++) {
    const e = 6 + 16 * i;
    const [size, offset] = [ico.readUInt32LE(e + 8), ico.readUInt32LE(e + 12)];
    const png = decode(ico.subarray(offset, offset + size));
    assert.equal(png.width, ico.readUInt8(e) || 256, `entry ${i} width`);
    assert.equal(png.height, ico.readUInt8(e + 1) || 256, `entry ${i} height`);
  }
});
