// The adapter report end to end on the tiny fixture model, through the core's API: held-out
// corrected images recorded with an adapter are predicted by the app's inference service under
// the adapter, the base model and the previous adapter. Expectations are independent of the
// report's code path: masks come from previewMask with the adapter activated or not, scored by a
// Dice written here; an identity adapter (zeroed fc2) gives the base model's masks exactly, so its
// differences are 0 and its verdict 'no measurable difference'; fewer than MIN_JUDGED images give
// 'too few held-out images'; a real adapt job records its held-out set and the report reads it;
// an adapter without a record says so; the gallery PNG shows the three outlines where the masks are.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiResult, JobInfo, AdaptResult } from '../../main/contract/contract.ts';
import { MIN_JUDGED, evidenceOf, type AdapterReport } from '../../main/contract/adapter-report.ts';
import { type Core, openCore } from '../../main/core.ts';
import { adapterSetFor } from '../../main/engine/model/adapters.ts';
import { parseClipSegConfig } from '../../main/engine/model/config.ts';
import { dataPaths } from '../../main/fs/data-folder.ts';
import { decodeImage, encodePng } from '../../main/io/image-decode.ts';
import { makeThumbnail } from '../../main/io/thumbnail.ts';
import { contentHash } from '../../main/store/images.ts';
import { mulberry32 } from '../../main/common/rng.ts';
import { initAdapters } from '../../main/training/adapter-init.ts';
import { writeAdapterFile } from '../../main/training/adapter-output.ts';
import { GALLERY_COLORS } from '../../main/training/adapter-report.ts';
import { generateImage } from '../../main/training/synthetic.ts';
import { modelDir as model, modelSha } from '../helpers/adapter-site.ts';

let dir: string;
let core: Core;
let projectId: number;
let labelId: number;
const imageIds: number[] = [];
const truth = new Map<number, Uint8Array>();
const maskIds = new Map<number, number>();
const PROMPTS = ['circle', 'a round shape'];

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

const dice = (p: Uint8Array, g: Uint8Array) => {
  let a = 0, b = 0, both = 0;
  for (let i = 0; i < p.length; i++) { const x = p[i] !== 0, y = g[i] !== 0; a += +x; b += +y; both += +(x && y); }
  return a + b === 0 ? 1 : (2 * both) / (a + b);
};

function finished(jobId: number): Promise<JobInfo> {
  return new Promise((resolve) => {
    const off = core.api.onJobEvent((e) => {
      if (e.type === 'state' && e.job.id === jobId && ['done', 'failed', 'cancelled', 'interrupted'].includes(e.job.state)) { off(); resolve(e.job); }
    });
  });
}

/**
 * An adapter file: sa-vlc with a seeded uniform init (changes predictions), or, for the identity,
 * da-v with fc2 zeroed (dense adapters sit inside the blocks as x + ReLU(fc2(…)) = x; shallow ones
 * add a new term, so zeroing their fc2 would not give the base model).
 */
function adapterFile(name: string, seed: number, identity: boolean): string {
  const variant = identity ? 'da-v' : 'sa-vlc';
  const set = adapterSetFor(variant, parseClipSegConfig(JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'))), { adapter: 8, cond: 4 }, 'reference');
  const weights = initAdapters(set, seed);
  for (const [k, t] of weights) if (identity && /\.fc2\./.test(k)) t.data.fill(0);
  const file = join(dataPaths.adapters(core.dataDir), name);
  mkdirSync(dataPaths.adapters(core.dataDir), { recursive: true });
  writeAdapterFile(file, weights, { variant, baseModelSha256: modelSha, form: 'reference', training: {}, validation: {} });
  return file;
}

const heldOutSet = (ids: number[]) => ids.map((id) => ({ imageId: id, frame: 0, maskId: maskIds.get(id)! }));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delineate-report-'));
  core = openCore({ data: join(dir, 'data'), model, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  projectId = ok(await core.api.createProject({ name: 'Shapes' })).id;
  labelId = ok(await core.api.createLabel({ projectId, name: 'circle', prompts: PROMPTS })).id;
  const rng = mulberry32(3);
  for (let i = 0; i < 6; i++) {
    const s = generateImage('source', 64, rng);
    const bytes = encodePng(s.image);
    const path = join(dir, `img-${i}.png`);
    writeFileSync(path, bytes);
    const image = core.store.images.add({ projectId, sourcePath: path, contentHash: contentHash(bytes), fileName: `img-${i}.png`, width: 64, height: 64, pixelSpacing: [0.5, 0.75], thumbnail: makeThumbnail(s.image, 16) });
    imageIds.push(image.id);
    truth.set(image.id, s.mask);
    maskIds.set(image.id, ok(await core.api.saveCorrectedMask({ imageId: image.id, labelId, mask: { width: 64, height: 64, pixels: s.mask }, prompt: 'circle' })).id);
  }
});

after(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each image's DSC under `prompt` with `adapterId` active (null: none), through previewMask. */
async function previewDice(adapterId: number | null, ids: number[], prompt = 'circle'): Promise<number[]> {
  if (adapterId === null) core.store.adapters.deactivate(projectId);
  else core.store.adapters.activate(adapterId);
  const out: number[] = [];
  for (const id of ids) {
    const p = ok(await core.api.previewMask({ imageId: id, prompt }));
    assert.equal(p.adapterId, adapterId);
    out.push(dice(p.pixels, truth.get(id)!));
  }
  core.store.adapters.deactivate(projectId);
  return out;
}

test('the report scores the held-out images under the adapter, the base model and the previous adapter, as previews do', async () => {
  const held = imageIds.slice(0, 5);
  const identity = core.store.adapters.register({ projectId, name: 'identity', variant: 'da-v', baseModelHash: modelSha, file: adapterFile('identity.safetensors', 1, true), metrics: { heldOutSet: heldOutSet(held), previousAdapterId: null } });
  const moved = core.store.adapters.register({ projectId, name: 'moved', variant: 'sa-vlc', baseModelHash: modelSha, file: adapterFile('moved.safetensors', 5, false), parentId: identity.id, metrics: { heldOutSet: heldOutSet(held), previousAdapterId: identity.id } });

  // the identity adapter: the base model's masks, so every difference is 0
  const r0 = ok(await core.api.adapterReport({ adapterId: identity.id }));
  assert.equal(r0.heldOut.source, 'adapt');
  assert.equal(r0.heldOut.scored, 5);
  for (const img of r0.images) assert.deepEqual(img.adapter, img.base);
  assert.deepEqual(r0.base!.differences.dsc, { mean: 0, interval: { low: 0, high: 0 }, verdict: 'no measurable difference' });
  assert.equal(r0.previous, null);
  assert.match(r0.previousNote ?? '', /base model was in use before it/);

  const r = ok(await core.api.adapterReport({ adapterId: moved.id }));
  assert.equal(r.adapterName, 'moved');
  assert.equal(r.resamples, 10_000);
  assert.equal(r.minJudged, MIN_JUDGED);
  assert.equal(r.hd95Unit, 'mm', 'every image has a pixel spacing');
  assert.deepEqual(r.images.map((i) => i.imageId), held);
  assert.ok(r.images.every((i) => i.prompt === 'circle' && i.label === 'circle'));
  // independent: previews with the adapter active, and with none, scored here
  const withAdapter = await previewDice(moved.id, held);
  const withBase = await previewDice(null, held);
  const withPrevious = await previewDice(identity.id, held);
  r.images.forEach((img, i) => {
    assert.ok(Math.abs(img.adapter.dsc - withAdapter[i]) < 1e-12, `image ${img.imageId}: adapter DSC ${img.adapter.dsc} vs preview ${withAdapter[i]}`);
    assert.ok(Math.abs(img.base.dsc - withBase[i]) < 1e-12);
    assert.ok(Math.abs(img.previous!.dsc - withPrevious[i]) < 1e-12);
  });
  assert.ok(withAdapter.some((d, i) => d !== withBase[i]), 'the test adapter changes some mask');
  for (const c of [r.base!, r.previous!]) {
    const d = r.images.map((img) => img.adapter.dsc - (c.adapterId === null ? img.base : img.previous!).dsc);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const { interval, verdict } = c.differences.dsc;
    assert.ok(Math.abs(c.differences.dsc.mean - mean) < 1e-12);
    assert.ok(interval && Math.min(...d) - 1e-12 <= interval.low && interval.low <= mean && mean <= interval.high && interval.high <= Math.max(...d) + 1e-12, JSON.stringify({ interval, d }));
    assert.equal(verdict, interval.low > 0 ? 'better' : interval.high < 0 ? 'worse' : 'no measurable difference');
    assert.equal(c.verdict, verdict);
  }
  assert.equal(r.previous!.adapterId, identity.id);
  assert.equal(r.previous!.name, 'identity');
  // prompt robustness: each synonym of the label, base and adapter, over the 5 images
  assert.deepEqual(r.prompts.map((p) => [p.label, p.prompt, p.n]), [['circle', 'circle', 5], ['circle', 'a round shape', 5]]);
  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  assert.ok(Math.abs(r.prompts[1].adapter - mean(await previewDice(moved.id, held, 'a round shape'))) < 1e-12);
  assert.ok(Math.abs(r.prompts[1].base - mean(await previewDice(null, held, 'a round shape'))) < 1e-12);
  assert.ok(Math.abs(r.prompts[0].base - mean(withBase)) < 1e-12);
  // the gallery: gains first, biggest first, then losses, biggest first
  const changes = r.images.map((i) => i.adapter.dsc - i.base.dsc);
  assert.deepEqual(r.gallery.filter((g) => g.kind === 'gain').map((g) => g.change), changes.filter((c) => c > 0).sort((a, b) => b - a).slice(0, 3));
  assert.deepEqual(r.gallery.filter((g) => g.kind === 'loss').map((g) => g.change), changes.filter((c) => c < 0).sort((a, b) => a - b).slice(0, 3));
  // the verdicts are recorded with the adapter, for the versions table and the activation check
  const ev = evidenceOf(core.store.adapters.get(moved.id)!.metrics)!;
  assert.deepEqual([ev.n, ev.vsBase, ev.vsPrevious, ev.computedAt], [5, r.base!.verdict, r.previous!.verdict, r.computedAt]);
  // reproducible: the same seed, the same intervals
  const again = ok(await core.api.adapterReport({ adapterId: moved.id }));
  assert.deepEqual(again.base!.differences, r.base!.differences);
});

test('the gallery image: the frame with the base, adapter and correction outlines where those masks are', async () => {
  const held = imageIds.slice(0, 5);
  const a = core.store.adapters.register({ projectId, name: 'gallery', variant: 'sa-vlc', baseModelHash: modelSha, file: adapterFile('gallery.safetensors', 5, false), metrics: { heldOutSet: heldOutSet(held) } });
  const id = held[0];
  const g = ok(await core.api.adapterReportImage({ adapterId: a.id, imageId: id, frame: 0 }));
  assert.deepEqual([g.width, g.height], [64, 64], 'a 64² frame is not scaled');
  const png = decodeImage(g.png, 'gallery.png');
  assert.deepEqual([png.width, png.height, png.channels], [64, 64, 3]);
  const base = ok(await core.api.previewMask({ imageId: id, prompt: 'circle' })).pixels;
  core.store.adapters.activate(a.id);
  const adapted = ok(await core.api.previewMask({ imageId: id, prompt: 'circle' })).pixels;
  core.store.adapters.deactivate(projectId);
  const rim = (m: Uint8Array, i: number) => {
    const [x, y] = [i % 64, Math.floor(i / 64)];
    return m[i] !== 0 && (x === 0 || y === 0 || x === 63 || y === 63 || !m[i - 1] || !m[i + 1] || !m[i - 64] || !m[i + 64]);
  };
  const color = (i: number) => [...png.data.slice(i * 3, i * 3 + 3)];
  let seen = 0;
  for (let i = 0; i < 64 * 64; i++) {
    // the top layer wins: correction over adapter over base
    const want = rim(truth.get(id)!, i) ? GALLERY_COLORS.correction : rim(adapted, i) ? GALLERY_COLORS.adapter : rim(base, i) ? GALLERY_COLORS.base : null;
    if (want) { assert.deepEqual(color(i), [...want], `pixel ${i}`); seen++; }
    else { const [r, gg, b] = color(i); assert.ok(r === gg && gg === b, `pixel ${i} is grey off the outlines, got ${[r, gg, b]}`); }
  }
  assert.ok(seen > 0);
  const outside = ok(await core.api.adapterReport({ adapterId: a.id })).images.length;
  assert.equal(outside, 5);
  const refused = await core.api.adapterReportImage({ adapterId: a.id, imageId: imageIds[5], frame: 0 });
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.error.message, /not among adapter \d+'s held-out images/);
});

test('below MIN_JUDGED images the verdict is "too few held-out images"; deleted images are counted; an adapter without a record says so', async () => {
  const a = core.store.adapters.register({ projectId, name: 'two', variant: 'sa-vlc', baseModelHash: modelSha, file: adapterFile('two.safetensors', 7, false), metrics: { heldOutSet: [...heldOutSet(imageIds.slice(0, 2)), { imageId: 999, frame: 0, maskId: 999 }] } });
  const r = ok(await core.api.adapterReport({ adapterId: a.id }));
  assert.deepEqual([r.heldOut.recorded, r.heldOut.scored, r.heldOut.missing], [3, 2, 1]);
  assert.match(r.heldOut.note, /1 of them is no longer in the project/);
  for (const k of ['dsc', 'iou', 'hd95'] as const) assert.deepEqual([r.base!.differences[k].interval, r.base!.differences[k].verdict], [null, 'too few held-out images']);
  assert.match(r.previousNote ?? '', /not recorded/);

  const old = core.store.adapters.register({ projectId, name: 'old', variant: 'sa-vlc', baseModelHash: modelSha, file: adapterFile('old.safetensors', 8, false), metrics: { dsc: 0.5, heldOut: 1 } });
  const none: AdapterReport = ok(await core.api.adapterReport({ adapterId: old.id }));
  assert.equal(none.heldOut.source, 'none');
  assert.match(none.heldOut.note, /no record of which corrected images adapter \d+ held out/);
  assert.deepEqual([none.adapter, none.base, none.previous, none.images.length], [null, null, null, 0]);
  assert.deepEqual(evidenceOf(core.store.adapters.get(old.id)!.metrics)?.vsBase, null);
  const missing = await core.api.adapterReport({ adapterId: 12345 });
  assert.equal(!missing.ok && missing.error.code, 'not-found');
});

test('a real adapt job records its held-out set and what was active, and the report scores that set', async () => {
  const job = ok(await core.api.startJob({ kind: 'adapt', projectId, config: { variant: 'sa-vlc', adapterDim: 8, maxEpochs: 2, seed: 1 } }));
  const end = await finished(job.id);
  assert.equal(end.state, 'done', end.error ?? '');
  const result = end.result as AdaptResult;
  const stored = core.store.adapters.get(result.adapterId)!;
  const set = stored.metrics.heldOutSet as { imageId: number; frame: number; maskId: number }[];
  assert.equal(set.length, result.heldOutImages);
  for (const h of set) assert.equal(maskIds.get(h.imageId), h.maskId);
  assert.equal(stored.metrics.previousAdapterId, null);
  const r = ok(await core.api.adapterReport({ adapterId: result.adapterId }));
  assert.deepEqual(r.images.map((i) => i.imageId), set.map((h) => h.imageId));
  assert.equal(r.base!.verdict, set.length >= MIN_JUDGED ? r.base!.verdict : 'too few held-out images');
  // the adapt job scores at the model's size, the report at the image's: both on the same images
  assert.equal(r.adapter!.n, result.candidate.n);
});
