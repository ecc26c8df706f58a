// The segment-batch job with the real ModelInference on the tiny model: the saved model masks are
// exactly what a direct predict() gives; frames, labels, failures and resuming from a checkpoint.

import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ModelInference } from '../../../main/inference/model-inference.ts';
import { JobQueue } from '../../../main/jobs/queue.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { segmentBatchRunner } from '../../../main/jobs/runners/segment-batch.ts';
import type { Image } from '../../../main/store/images.ts';
import { openStore, type Store } from '../../../main/store/store.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { greyPng, niftiVolume, put, runJob } from './sources.ts';

const model = fileURLToPath(new URL('../../fixtures/clipseg-tiny/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'delineate-segment-batch-'));
let store: Store;
let inference: ModelInference;
let runners: ReturnType<typeof makeRunners>;
let projectId: number;
let images: Image[];

const makeRunners = (service: ModelInference) => ({ import: importRunner, 'segment-batch': segmentBatchRunner(service) });
const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

before(async () => {
  store = openStore(join(dir, 'data'));
  inference = new ModelInference(model, 'clipseg-tiny', { provider: 'cpu', threads: 1, log: () => {} });
  runners = makeRunners(inference);
  copyFileSync(join(model, 'image.png'), join(dir, 'a-photo.png'));
  put(join(dir, 'src', 'b-ramp.png'), greyPng(20, 16, (i) => (i * 7) % 256).bytes);
  put(join(dir, 'src', 'c-vol.nii.gz'), niftiVolume());
  projectId = store.projects.create('batch').id;
  const imported = await runJob(store, runners, 'import', { projectId, paths: [join(dir, 'a-photo.png'), join(dir, 'src')] });
  assert.equal(imported.job.state, 'done', imported.job.error ?? '');
  images = store.images.list(projectId);
  assert.deepEqual(images.map((i) => [i.fileName, i.frames]), [['a-photo.png', 1], ['b-ramp.png', 1], ['c-vol.nii.gz', 5]]);
});

after(async () => {
  await inference.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('each image is segmented at its middle frame and saved as a model mask equal to a direct predict()', async () => {
  const { job } = await runJob(store, runners, 'segment-batch', { projectId, prompt: 'a round object', threshold: 0.4 });
  assert.equal(job.state, 'done', job.error ?? '');
  let area = 0;
  for (const image of images) {
    const frame = Math.floor(image.frames / 2);
    const direct = await inference.predict(image, frame, 'a round object', 0.4);
    const saved = store.masks.current({ imageId: image.id, labelId: null, frame, kind: 'model' });
    assert.ok(saved, `image ${image.id} frame ${frame} has a model mask`);
    assert.deepEqual([saved.source, saved.prompt, saved.threshold, saved.adapterId, saved.width, saved.height], ['model', 'a round object', 0.4, null, image.width, image.height]);
    assert.equal(saved.area, sum(direct.mask));
    assert.deepEqual(saved.pixels, direct.mask);
    area += saved.area;
  }
  assert.ok(area > 0, 'the prompt finds something');
  assert.deepEqual(job.result, { segmented: 3, failed: 0, area });
  assert.equal(store.masks.listCurrent({ projectId, kind: 'model' }).length, 3, 'only the middle frame of the volume');
});

test('allFrames with a label: every frame of the named images, the prompt taken from the label', async () => {
  const vol = images[2];
  const label = store.labels.create({ projectId, name: 'kidney', color: '#123456', prompts: ['left kidney'] });
  const { job, progress } = await runJob(store, runners, 'segment-batch', { projectId, labelId: label.id, imageIds: [vol.id], allFrames: true });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(progress.map((p) => [p.done, p.total]), [[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  for (let k = 0; k < 5; k++) {
    const saved = store.masks.current({ imageId: vol.id, labelId: label.id, frame: k, kind: 'model' })!;
    assert.equal(saved.prompt, 'left kidney');
    assert.deepEqual(saved.pixels, (await inference.predict(vol, k, 'left kidney', 0.5)).mask);
  }
  const other = store.projects.create('other');
  const wrong = await runJob(store, runners, 'segment-batch', { projectId: other.id, prompt: 'x', imageIds: [vol.id] });
  assert.deepEqual([wrong.job.state, wrong.job.error], ['failed', `segment-batch config imageIds: image ${vol.id} belongs to project ${projectId}, not ${other.id}`]);
});

test('a source that went missing is logged and counted; the other images are still segmented', async (t) => {
  const gone = join(dir, 'gone.png');
  put(gone, greyPng(8, 8, (i) => i).bytes);
  const p = store.projects.create('missing');
  assert.equal((await runJob(store, runners, 'import', { projectId: p.id, paths: [gone, join(dir, 'src', 'b-ramp.png')] })).job.state, 'done');
  rmSync(gone);
  t.after(() => store.projects.remove(p.id));
  const [first, second] = store.images.list(p.id);
  const { job, log } = await runJob(store, runners, 'segment-batch', { projectId: p.id, prompt: 'a thing' });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.equal((job.result as { segmented: number; failed: number }).failed, 1);
  assert.equal((job.result as { segmented: number }).segmented, 1);
  assert.match(log.find((l) => l.startsWith('failed '))!, new RegExp(`^failed image ${first.id} \\(gone.png\\): .*ENOENT`));
  assert.ok(store.masks.current({ imageId: second.id, labelId: null, kind: 'model' }));
});

test('a job stopped after its first frame resumes after it and segments each remaining frame once', async () => {
  const p = store.projects.create('resume');
  assert.equal((await runJob(store, runners, 'import', { projectId: p.id, paths: [join(dir, 'src')] })).job.state, 'done');
  const [ramp, vol] = store.images.list(p.id);
  // what a crash leaves: the job running, its checkpoint after the first item (the ramp)
  const created = store.jobs.create({ kind: 'segment-batch', projectId: p.id, config: { projectId: p.id, prompt: 'organ', allFrames: true } });
  assert.equal(store.jobs.claimNext()!.id, created.id);
  store.jobs.setCheckpoint(created.id, { after: [ramp.id, 0], counts: { segmented: 1, failed: 0, area: 7 } });

  const queue = new JobQueue(store, runners, { progressIntervalMs: 0 });
  assert.deepEqual(queue.recover().requeued.map((j) => j.id), [created.id]);
  queue.start();
  await queue.idle();
  await queue.close();
  const job = store.jobs.get(created.id)!;
  assert.equal(job.state, 'done', job.error ?? '');
  const masks = store.masks.listCurrent({ projectId: p.id, kind: 'model' });
  assert.deepEqual(masks.map((m) => [m.imageId, m.frame]), [0, 1, 2, 3, 4].map((k) => [vol.id, k]), 'the ramp (before the checkpoint) is not redone');
  for (const m of masks) assert.equal(store.masks.history({ imageId: m.imageId, labelId: null, frame: m.frame, kind: 'model' }).length, 1);
  const area = masks.reduce((s, m) => s + m.area, 0);
  assert.deepEqual(job.result, { segmented: 6, failed: 0, area: 7 + area });
  assert.ok(store.jobs.log(job.id).some((l) => l.line === `resuming after image ${ramp.id} slice 0: 5 of 6 slices left`));
});

test('a model problem (not one image\'s) fails the job once with its message, saving nothing', async () => {
  const unusable = { modelId: 'none', close: async () => {}, predict: async () => { throw Object.assign(new Error('No model is installed in /x/models. Install one with: npx delineate model download'), { name: 'ModelRegistryError' }); } };
  const before = store.masks.listCurrent({ projectId }).length;
  const { job, log } = await runJob(store, { 'segment-batch': segmentBatchRunner(unusable) }, 'segment-batch', { projectId, prompt: 'x' });
  assert.equal(job.state, 'failed');
  assert.match(job.error ?? '', /No model is installed/);
  assert.equal(log.filter((l) => /No model is installed/.test(l)).length <= 1, true, 'the hint is not repeated per frame');
  assert.equal(store.masks.listCurrent({ projectId }).length, before);
});
