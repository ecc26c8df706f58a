// getImageFrame's window, end to end: the API in Node, the same through the web bridge's JSON, and
// the /media/frame route's ?center=&width= (parsed by media-route.ts, which Electron's
// delineate-media:// scheme shares), on a synthetic CT whose every HU value is known. No model.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decode } from 'fast-png';
import type { ApiResult, DelineateApi } from '../../main/contract/contract.ts';
import { createApi } from '../../main/api/handlers.ts';
import type { InferenceService } from '../../main/inference/service.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { answerMedia, frameWindowQuery } from '../../main/web/media-route.ts';
import { startWebHost, type WebHost } from '../../main/web/web-host.ts';
import { mediaUrlFor } from '../../renderer/bridge/media-url.ts';
import { createWebBridge } from '../../renderer/bridge/web-bridge.ts';
import { dicomFile, pixelModule } from '../helpers/dicom-writer.ts';

// 4×2 CT, header window W400/L40, stored = HU + 1024. Grey levels worked out in test/io/frame-window.test.ts:
const HU = [-1000, -600, -160, 0, 20, 40, 239, 1000];
const SOFT_TISSUE_GREY = [0, 0, 0, 102, 115, 128, 255, 255];
const LUNG = { center: -600, width: 1500 };
const LUNG_GREY = [60, 128, 202, 230, 233, 236, 255, 255];
const BONE_GREY = [0, 17, 62, 79, 81, 83, 103, 181];

let dir: string;
let store: Store;
let queue: JobQueue;
let api: DelineateApi;
let host: WebHost;
let imageId: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delineate-media-window-'));
  mkdirSync(join(dir, 'bundle'));
  writeFileSync(join(dir, 'bundle', 'index.html'), '<!doctype html><title>bundle</title>');
  const bytes = dicomFile([
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00281050, vr: 'DS', value: [40] },
    { tag: 0x00281051, vr: 'DS', value: [400] },
    { tag: 0x00281052, vr: 'DS', value: [-1024] },
    { tag: 0x00281053, vr: 'DS', value: [1] },
    ...pixelModule({ rows: 2, columns: 4, bits: 16, photometric: 'MONOCHROME2', pixels: Uint16Array.from(HU, (h) => h + 1024) }),
  ]);
  const path = join(dir, 'ct.dcm');
  writeFileSync(path, bytes);
  store = openStore(join(dir, 'data'));
  const projectId = store.projects.create('Windows').id;
  const hash = createHash('sha256').update(bytes).digest('hex');
  imageId = store.images.add({ projectId, sourcePath: path, contentHash: hash, fileName: 'ct.dcm', width: 4, height: 2, modality: 'CT', window: { center: 40, width: 400 } }).id;
  queue = new JobQueue(store, {});
  const inference = (): InferenceService => {
    throw new Error('no model in this test');
  };
  api = createApi({ store, queue, inference, jobKinds: [] });
  host = await startWebHost({ core: { api }, port: 0, rendererDir: join(dir, 'bundle') });
});

after(async () => {
  await host?.close();
  await queue?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const value = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const pixels = (png: Uint8Array) => {
  const d = decode(png);
  assert.deepEqual([d.width, d.height, d.channels, d.depth], [4, 2, 1, 8]);
  return [...d.data];
};

async function get(path: string): Promise<{ status: number; type: string | null; body: Uint8Array; text: string }> {
  const res = await fetch(new URL(path, host.url));
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), body, text: new TextDecoder().decode(body) };
}

test('getImageFrame: the import window by default, another window exactly, in the API and through the web bridge', async () => {
  assert.deepEqual(pixels(value(await api.getImageFrame({ imageId, frame: 0 })).png), SOFT_TISSUE_GREY);
  assert.deepEqual(pixels(value(await api.getImageFrame({ imageId, frame: 0, window: LUNG })).png), LUNG_GREY);
  const bridge = createWebBridge({ base: host.url });
  assert.deepEqual(pixels(value(await bridge.getImageFrame({ imageId, window: { center: 480, width: 2500 } })).png), BONE_GREY);
});

test('getImageFrame: a bad window is invalid, naming the image and the problem', async () => {
  const bad: [unknown, RegExp][] = [
    [{ center: 40, width: 0 }, /image \d+: width must be a finite number ≥ 1, got 0/],
    [{ center: Number.NaN, width: 400 }, /center must be a finite number, got NaN/],
    [{ center: 40 }, /width must be a finite number ≥ 1, got nothing/],
    ['lung', /must be an object \{center, width\}, got "lung"/],
  ];
  for (const [window, message] of bad) {
    const r = await api.getImageFrame({ imageId, window: window as { center: number; width: number } });
    assert.ok(!r.ok, JSON.stringify(window));
    assert.equal(r.error.code, 'invalid');
    assert.match(r.error.message, message);
  }
  // over JSON, where NaN becomes null
  const r = await createWebBridge({ base: host.url }).getImageFrame({ imageId, window: { center: 40, width: Number.NaN } });
  assert.ok(!r.ok && r.error.code === 'invalid' && /width must be a finite number ≥ 1, got null/.test(r.error.message), JSON.stringify(r));
});

test('/media/frame/<id>/<k>?center=&width= answers the exact PNG; mediaUrlFor builds such URLs', async () => {
  const lung = await get(`/media/frame/${imageId}/0?center=-600&width=1500`);
  assert.equal(lung.status, 200, lung.text);
  assert.equal(lung.type, 'image/png');
  assert.deepEqual(pixels(lung.body), LUNG_GREY);
  assert.deepEqual(lung.body, new Uint8Array(value(await api.getImageFrame({ imageId, frame: 0, window: LUNG })).png), 'the same bytes as the API');
  assert.deepEqual(pixels((await get(`/media/frame/${imageId}/0`)).body), SOFT_TISSUE_GREY, 'no query: the import window');

  // the URL builder, with the kind of numbers a right-drag makes (and one that prints with e+)
  const dragged = { center: -587.3046875, width: 1523.73046875 };
  const url = mediaUrlFor(false, 'frame', imageId, 0, dragged);
  assert.equal(url, `/media/frame/${imageId}/0?center=-587.3046875&width=1523.73046875`);
  assert.deepEqual((await get(url)).body, new Uint8Array(value(await api.getImageFrame({ imageId, frame: 0, window: dragged })).png));
  const huge = mediaUrlFor(false, 'frame', imageId, 0, { center: 1e21, width: 1e21 });
  assert.deepEqual(frameWindowQuery(new URL(huge, host.url).searchParams), { window: { center: 1e21, width: 1e21 } });
  assert.equal(mediaUrlFor(false, 'frame', imageId, 0), `/media/frame/${imageId}/0`);
  assert.equal(mediaUrlFor(true, 'frame', imageId, 2, LUNG), `delineate-media://frame/${imageId}/2?center=-600&width=1500`);
});

test('/media/frame: anything but a valid center and width is a 400 that says why', async () => {
  const cases: [string, RegExp][] = [
    ['?center=-600', /needs both center and width, got only center/],
    ['?width=1500', /needs both center and width, got only width/],
    ['?center=lung&width=1500', /center must be a decimal number, got "lung"/],
    ['?center=-600&width=', /width must be a decimal number, got ""/],
    ['?center=0x10&width=100', /center must be a decimal number, got "0x10"/],
    ['?center=-600&width=Infinity', /width must be a decimal number, got "Infinity"/],
    ['?center=-600&width=0.5', /width must be a finite number ≥ 1, got 0\.5/],
    ['?center=1&center=2&width=10', /gives center more than once/],
    ['?center=-600&width=1500&invert=1', /unknown query parameter "invert"/],
  ];
  for (const [query, message] of cases) {
    const r = await get(`/media/frame/${imageId}/0${query}`);
    assert.equal(r.status, 400, `${query}: ${r.text}`);
    assert.match(r.text, message, query);
    assert.match(r.text, new RegExp(`^/media/frame/${imageId}/0: `), 'the message names the path');
  }
  // the other failures keep their codes
  assert.equal((await get(`/media/frame/${imageId}/1?center=0&width=10`)).status, 400, 'a frame the image lacks');
  assert.equal((await get('/media/frame/999/0?center=0&width=10')).status, 404);
});

test("Electron's delineate-media:// scheme reads the same URLs (host 'frame', path /<id>/<k>)", async () => {
  const url = new URL(mediaUrlFor(true, 'frame', imageId, 0, LUNG));
  const segments = [url.host, ...url.pathname.split('/').filter(Boolean)];
  const r = await answerMedia(api, segments, url.searchParams, 'delineate-media://');
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(pixels(r.png), LUNG_GREY);
  const bad = await answerMedia(api, segments, new URLSearchParams('center=-600'), 'delineate-media://');
  assert.deepEqual(bad, { ok: false, status: 400, message: `delineate-media://frame/${imageId}/0: the window needs both center and width, got only center` });
  const unknown = await answerMedia(api, ['frame', String(imageId)], new URLSearchParams(), 'delineate-media://');
  assert.ok(!unknown.ok && unknown.status === 404 && /use delineate-media:\/\/thumb\/<imageId>/.test(unknown.message));
});
