// The API the renderer calls, exercised in Node against a real store, job queue and the tiny
// model: results and typed errors, never exceptions across the boundary.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode as decodePng } from 'fast-png';
import { createApi } from '../../main/api/handlers.ts';
import type { ApiResult, DelineateApi, JobEvent } from '../../main/contract/contract.ts';
import { ModelInference } from '../../main/inference/model-inference.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import { resumable } from '../../main/jobs/runner.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { encodePng } from '../../main/io/image-decode.ts';
import { makeThumbnail } from '../../main/io/thumbnail.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import { contentHash } from '../../main/store/images.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const model = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'delineate-api-'));
let store: Store;
let queue: JobQueue;
let api: DelineateApi;
let inference: ModelInference;
let projectId: number;
const imageIds: number[] = [];

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const fails = <T>(r: ApiResult<T>, code: string, pattern?: RegExp): void => {
  assert.equal(r.ok, false, 'expected a failure');
  if (!r.ok) {
    assert.equal(r.error.code, code, r.error.message);
    if (pattern) assert.match(r.error.message, pattern);
  }
};

before(() => {
  store = openStore(join(dir, 'data'));
  queue = new JobQueue(store, {
    // a stand-in runner: counts to `steps`, honouring cancel (the real runners have their own tests)
    'segment-batch': resumable(async (job, ctx) => {
      const steps = Number(job.config.steps ?? 3);
      for (let i = 0; i < steps; i++) {
        ctx.signal.throwIfAborted();
        await new Promise((r) => setTimeout(r, Number(job.config.delayMs ?? 1)));
        ctx.progress({ done: i + 1, total: steps });
      }
      return { steps };
    }),
  }, { progressIntervalMs: 0 });
  queue.start();
  inference = new ModelInference(model, 'clipseg-tiny', { provider: 'cpu', threads: 1, log: () => {} });
  api = createApi({ store, queue, inference: () => inference, jobKinds: ['segment-batch'] });
});

after(async () => {
  await queue.close();
  await inference.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function addImage(name: string, bytes: Uint8Array): number {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const raster = decodeImage(bytes, name);
  return store.images.add({ projectId, sourcePath: path, contentHash: contentHash(bytes), fileName: name, width: raster.width, height: raster.height, thumbnail: makeThumbnail(raster, 16) }).id;
}

test('projects: create, list with counts, rename, duplicate name is a conflict, unknown id not found', async () => {
  const p = ok(await api.createProject({ name: ' Colon polyps ' }));
  assert.equal(p.name, 'Colon polyps');
  projectId = p.id;
  fails(await api.createProject({ name: 'Colon polyps' }), 'conflict', /already exists/);
  fails(await api.createProject({ name: '   ' }), 'invalid');
  const other = ok(await api.createProject({ name: 'tmp' }));
  assert.equal(ok(await api.renameProject({ projectId: other.id, name: 'renamed' })).name, 'renamed');
  ok(await api.deleteProject({ projectId: other.id }));
  fails(await api.deleteProject({ projectId: other.id }), 'not-found');
  assert.deepEqual(ok(await api.listProjects()).map((x) => [x.name, x.images]), [['Colon polyps', 0]]);
});

test('images: library page with search, paging, status filter; thumbnail and frame as PNG', async () => {
  const png = readFileSync(join(model, 'image.png'));
  imageIds.push(addImage('polyp-a.png', png));
  const grey = encodePng({ width: 5, height: 3, channels: 1, bitDepth: 8, data: Uint8Array.from({ length: 15 }, (_, i) => i * 10) });
  imageIds.push(addImage('Other-B.png', grey));
  const all = ok(await api.listImages({ projectId }));
  assert.equal(all.total, 2);
  assert.deepEqual(all.images.map((i) => i.fileName), ['Other-B.png', 'polyp-a.png']);
  assert.ok(all.images.every((i) => i.status === 'not-started'));
  assert.deepEqual(ok(await api.listImages({ projectId, search: 'POLYP' })).images.map((i) => i.fileName), ['polyp-a.png']);
  assert.deepEqual(ok(await api.listImages({ projectId, search: '%' })).total, 0, '% is literal');
  const page = ok(await api.listImages({ projectId, offset: 1, limit: 1 }));
  assert.equal(page.total, 2);
  assert.deepEqual(page.images.map((i) => i.fileName), ['polyp-a.png']);
  const thumb = decodePng(ok(await api.getThumbnail({ imageId: imageIds[0] })));
  assert.equal(Math.max(thumb.width, thumb.height), 16);
  const frame = ok(await api.getImageFrame({ imageId: imageIds[1] }));
  assert.deepEqual([frame.width, frame.height], [5, 3]);
  assert.deepEqual(Array.from(decodePng(frame.png).data), Array.from({ length: 15 }, (_, i) => i * 10));
  fails(await api.getImageFrame({ imageId: imageIds[1], frame: 1 }), 'invalid', /slices 0\.\.0/);
  fails(await api.getThumbnail({ imageId: 999 }), 'not-found');
});

test('prompt preview: the mask is σ(golden logits) > 0.5; the second prompt reuses the encoding', async () => {
  const preview = ok(await api.previewMask({ imageId: imageIds[0], prompt: 'a polyp in an endoscopy image' }));
  assert.equal(preview.cached, false);
  assert.equal(preview.modelId, 'clipseg-tiny');
  const golden = readNpy(join(model, 'golden/none_b1_logits.npy')).data as Float32Array;
  for (let i = 0; i < golden.length; i++) if (Math.abs(golden[i]) > 1e-3) assert.equal(preview.pixels[i], golden[i] > 0 ? 1 : 0, `pixel ${i}`);
  const again = ok(await api.previewMask({ imageId: imageIds[0], prompt: 'tumor', threshold: 0.9 }));
  assert.equal(again.cached, true);
  fails(await api.previewMask({ imageId: imageIds[0], prompt: 'x', threshold: 1.5 }), 'invalid', /threshold/);
  fails(await api.previewMask({ imageId: 12345, prompt: 'x' }), 'not-found', /image 12345/);
});

test('a source file that changed since import is a source error, not a crash', async () => {
  const img = store.images.get(imageIds[1])!;
  const original = readFileSync(img.sourcePath);
  writeFileSync(img.sourcePath, Buffer.concat([original, Buffer.from([0])]));
  try {
    fails(await api.getImageFrame({ imageId: img.id }), 'source', /changed since it was imported/);
  } finally {
    writeFileSync(img.sourcePath, original);
  }
});

test('masks: model mask saved from a prompt, corrected versions form a history, wrong size refused', async () => {
  const label = ok(await api.createLabel({ projectId, name: 'polyp' }));
  assert.deepEqual(label.prompts, ['polyp']);
  const modelMask = ok(await api.saveModelMask({ imageId: imageIds[0], labelId: label.id, prompt: 'a polyp' }));
  assert.equal(modelMask.kind, 'model');
  assert.equal(modelMask.source, 'model');
  const pixels = new Uint8Array(64 * 64);
  pixels.fill(1, 0, 640);
  const v1 = ok(await api.saveCorrectedMask({ imageId: imageIds[0], labelId: label.id, mask: { width: 64, height: 64, pixels }, author: 'dr a' }));
  pixels.fill(1, 640, 700);
  const v2 = ok(await api.saveCorrectedMask({ imageId: imageIds[0], labelId: label.id, mask: { width: 64, height: 64, pixels }, author: 'dr a' }));
  assert.equal(v2.parentId, v1.id);
  assert.equal(v2.area, 700);
  assert.deepEqual(ok(await api.maskHistory({ imageId: imageIds[0], labelId: label.id, kind: 'corrected' })).map((m) => m.id), [v2.id, v1.id]);
  const stored = ok(await api.getMask({ maskId: v2.id }));
  assert.deepEqual(Array.from(stored.pixels), Array.from(pixels));
  assert.deepEqual(ok(await api.currentMasks({ imageId: imageIds[0] })).map((m) => [m.kind, m.id]).sort(), [['corrected', v2.id], ['model', modelMask.id]].sort());
  fails(await api.saveCorrectedMask({ imageId: imageIds[0], mask: { width: 32, height: 64, pixels: new Uint8Array(32 * 64) } }), 'invalid', /32×64 but image \d+ is 64×64/);
  assert.deepEqual(ok(await api.listImages({ projectId, filter: 'corrected' })).images.map((i) => i.id), [imageIds[0]]);
  assert.deepEqual(ok(await api.listImages({ projectId, filter: 'not-started' })).images.map((i) => i.id), [imageIds[1]]);
  assert.equal(ok(await api.listProjects())[0].correctedMasks, 1);
  assert.equal(ok(await api.listProjects())[0].namedCorrections, 1, 'labelled');
  // A hand-drawn mask with neither prompt nor label is a correction Adapt cannot learn from…
  const unnamed = ok(await api.saveCorrectedMask({ imageId: imageIds[0], mask: { width: 64, height: 64, pixels } }));
  let summary = ok(await api.listProjects())[0];
  assert.deepEqual([summary.correctedMasks, summary.namedCorrections], [2, 1]);
  // …until a newer version of its slot names it; an older named version does not count for a newer unnamed one.
  ok(await api.saveCorrectedMask({ imageId: imageIds[0], mask: { width: 64, height: 64, pixels }, prompt: 'a polyp' }));
  summary = ok(await api.listProjects())[0];
  assert.deepEqual([summary.correctedMasks, summary.namedCorrections], [2, 2]);
  ok(await api.saveCorrectedMask({ imageId: imageIds[0], mask: { width: 64, height: 64, pixels } }));
  summary = ok(await api.listProjects())[0];
  assert.deepEqual([summary.correctedMasks, summary.namedCorrections], [2, 1]);
  assert.equal(unnamed.prompt, null);
  const otherProject = ok(await api.createProject({ name: 'other' }));
  const foreign = ok(await api.createLabel({ projectId: otherProject.id, name: 'x' }));
  fails(await api.saveCorrectedMask({ imageId: imageIds[0], labelId: foreign.id, mask: { width: 64, height: 64, pixels } }), 'invalid', /another project/);
});

test('jobs: events from queued to done, cancel mid-way, unavailable kinds refused', async () => {
  const events: JobEvent[] = [];
  const stop = api.onJobEvent((e) => events.push(e));
  const job = ok(await api.startJob({ kind: 'segment-batch', projectId, config: { steps: 3 } }));
  await queue.idle();
  const states = events.filter((e) => e.type === 'state' && e.job.id === job.id).map((e) => (e.type === 'state' ? e.job.state : ''));
  assert.deepEqual(states, ['queued', 'running', 'done']);
  assert.deepEqual(events.filter((e) => e.type === 'progress' && e.jobId === job.id).map((e) => (e.type === 'progress' ? e.progress.done : 0)), [1, 2, 3]);
  const slow = ok(await api.startJob({ kind: 'segment-batch', projectId, config: { steps: 1000, delayMs: 5 } }));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ok(await api.cancelJob({ jobId: slow.id })), { cancelled: true });
  await queue.idle();
  assert.equal(ok(await api.listJobs({ projectId })).find((j) => j.id === slow.id)!.state, 'cancelled');
  assert.ok(ok(await api.jobLog({ jobId: slow.id })).some((l) => /cancel/.test(l.line)));
  stop();
  fails(await api.startJob({ kind: 'adapt', projectId }), 'unavailable', /cannot run 'adapt' jobs/);
  fails(await api.exportMasks({ projectId, outDir: join(dir, 'out'), format: 'png' }), 'unavailable');
  fails(await api.cancelJob({ jobId: 9999 }), 'not-found');
});

test('adapters: activate one, roll back to its parent', async () => {
  mkdirSync(join(dir, 'data', 'adapters'), { recursive: true });
  for (const n of ['a1', 'a2']) copyFileSync(join(model, 'config.json'), join(dir, 'data', 'adapters', `${n}.safetensors`));
  const base = 'a'.repeat(64);
  const a1 = store.adapters.register({ projectId, name: 'first', variant: 'sa-vlc', baseModelHash: base, file: 'adapters/a1.safetensors', activate: true });
  const a2 = store.adapters.register({ projectId, name: 'second', variant: 'sa-vlc', baseModelHash: base, file: 'adapters/a2.safetensors', parentId: a1.id });
  assert.equal(ok(await api.activateAdapter({ adapterId: a2.id })).active, true);
  assert.deepEqual(ok(await api.listAdapters({ projectId })).filter((a) => a.active).map((a) => a.id), [a2.id]);
  assert.equal(ok(await api.rollbackAdapter({ projectId }))!.id, a1.id);
  assert.deepEqual(ok(await api.listAdapters({ projectId })).filter((a) => a.active).map((a) => a.id), [a1.id]);
  fails(await api.activateAdapter({ adapterId: 777 }), 'not-found');
});

test('the project\'s active adapter drives preview and saved model masks; rollback returns to the base model', async () => {
  copyFileSync(join(model, 'adapters_sa.safetensors'), join(dir, 'data', 'adapters', 'sa.safetensors'));
  const base = 'a'.repeat(64);
  const sa = store.adapters.register({ projectId, name: 'site', variant: 'sa-vlc', baseModelHash: base, file: 'adapters/sa.safetensors' });
  ok(await api.activateAdapter({ adapterId: sa.id }));
  const preview = ok(await api.previewMask({ imageId: imageIds[0], prompt: 'a polyp in an endoscopy image' }));
  assert.equal(preview.adapterId, sa.id);
  assert.equal(preview.cached, false, 'encodings made without the adapter are not reused');
  const golden = readNpy(join(model, 'golden/sa-vlc_b1_logits.npy')).data as Float32Array;
  for (let i = 0; i < golden.length; i++) if (Math.abs(golden[i]) > 1e-3) assert.equal(preview.pixels[i], golden[i] > 0 ? 1 : 0, `pixel ${i}`);
  const saved = ok(await api.saveModelMask({ imageId: imageIds[0], prompt: 'a polyp in an endoscopy image' }));
  assert.equal(saved.adapterId, sa.id);
  store.adapters.deactivate(projectId);
  const plain = ok(await api.previewMask({ imageId: imageIds[0], prompt: 'a polyp in an endoscopy image' }));
  assert.equal(plain.adapterId, null);
  const none = readNpy(join(model, 'golden/none_b1_logits.npy')).data as Float32Array;
  for (let i = 0; i < none.length; i++) if (Math.abs(none[i]) > 1e-3) assert.equal(plain.pixels[i], none[i] > 0 ? 1 : 0, `pixel ${i}`);
});
