// "Segment all slices" through the core on the tiny model: a segment-batch job over one volume
// (batched, with a slice range) saves one model mask per slice, each equal to the one-slice preview;
// the image's current masks give the slider's marks; corrected slices of the volume train an
// adapter like any other image.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AdaptResult, ApiResult, ImageSummary, JobInfo } from '../../../main/contract/contract.ts';
import { type Core, openCore } from '../../../main/core.ts';
import { mulberry32 } from '../../../main/common/rng.ts';
import { makeGeometry } from '../../../main/io/geometry.ts';
import { writeGreyImage } from '../../../main/io/nifti.ts';
import { generateImage } from '../../../main/training/synthetic.ts';
import { sliceMarks } from '../../../renderer/src/workspace/volume/slice-marks.ts';

const model = fileURLToPath(new URL('../../fixtures/clipseg-tiny/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'delineate-volume-job-'));
const N = 6;
let core: Core;
let projectId: number;
let vol: ImageSummary;
const truth: Uint8Array[] = [];

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

async function runToEnd(start: Promise<ApiResult<JobInfo>>): Promise<{ job: JobInfo; progress: number[] }> {
  const progress: number[] = [];
  let id = -1;
  const early: JobInfo[] = [];
  let resolveEnd!: (j: JobInfo) => void;
  const end = new Promise<JobInfo>((r) => (resolveEnd = r));
  const off = core.api.onJobEvent((e) => {
    if (e.type === 'progress' && e.jobId === id) progress.push(e.progress.done);
    if (e.type === 'state' && ['done', 'failed', 'cancelled', 'interrupted'].includes(e.job.state)) {
      if (e.job.id === id) resolveEnd(e.job);
      else early.push(e.job);
    }
  });
  id = ok(await start).id;
  const seen = early.find((j) => j.id === id);
  if (seen) resolveEnd(seen);
  const job = await end;
  off();
  return { job, progress };
}

before(async () => {
  core = openCore({ data: join(dir, 'data'), model, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  projectId = ok(await core.api.createProject({ name: 'Volume' })).id;
  // a 64×64×N uint8 volume of synthetic shapes, with each slice's true mask kept for the corrections
  const rng = mulberry32(11);
  const data = new Uint8Array(64 * 64 * N);
  for (let k = 0; k < N; k++) {
    const s = generateImage('source', 64, rng);
    for (let i = 0; i < 64 * 64; i++) data[k * 4096 + i] = s.image.data[i * s.image.channels];
    truth.push(s.mask);
  }
  const path = join(dir, 'shapes.nii.gz');
  writeGreyImage(path, data, 'uint8', makeGeometry([64, 64, N], [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]], 1));
  const { job } = await runToEnd(core.api.importPaths({ projectId, paths: [path] }));
  assert.equal(job.state, 'done', job.error ?? '');
  vol = ok(await core.api.listImages({ projectId })).images[0];
  assert.equal(vol.frames, N);
});

after(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

test('segment all slices in a range, batched: one model mask per slice, each the one-slice preview, and the marks show them', async () => {
  const prompt = 'a round shape';
  const { job, progress } = await runToEnd(core.api.startJob({ kind: 'segment-batch', projectId, config: { imageIds: [vol.id], allFrames: true, slices: [1, 5], batch: 3, prompt, threshold: 0.4 } }));
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(progress, [1, 2, 3, 4]);
  const records = ok(await core.api.currentMasks({ imageId: vol.id }));
  assert.deepEqual(records.filter((r) => r.kind === 'model').map((r) => r.frame).sort(), [1, 2, 3, 4]);
  let area = 0;
  for (const r of records) {
    const saved = ok(await core.api.getMask({ maskId: r.id }));
    const preview = ok(await core.api.previewMask({ imageId: vol.id, frame: r.frame, prompt, threshold: 0.4 }));
    assert.deepEqual([saved.prompt, saved.threshold, saved.adapterId, saved.source], [prompt, 0.4, null, 'model']);
    assert.deepEqual(saved.pixels, preview.pixels, `slice ${r.frame}`);
    area += saved.area;
  }
  assert.ok(area > 0, 'the prompt finds something');
  assert.deepEqual(job.result, { segmented: 4, failed: 0, area });
  assert.deepEqual(sliceMarks(records, null, N), { model: [1, 2, 3, 4], corrected: [] });

  const bad = await core.api.startJob({ kind: 'segment-batch', projectId, config: { imageIds: [vol.id], allFrames: true, slices: [3, 3], prompt } });
  const refused = bad.ok ? (await runToEnd(Promise.resolve(bad))).job : null;
  assert.match(bad.ok ? refused!.error ?? '' : bad.error.message, /slices: must be \[start, end\] with 0 ≤ start < end/);
});

test('corrected slices of the volume are marked and train an adapter like any other image', async () => {
  for (let k = 0; k < N; k++) ok(await core.api.saveCorrectedMask({ imageId: vol.id, frame: k, mask: { width: 64, height: 64, pixels: truth[k] }, prompt: 'a round shape' }));
  const records = ok(await core.api.currentMasks({ imageId: vol.id }));
  assert.deepEqual(sliceMarks(records, null, N).corrected, [0, 1, 2, 3, 4, 5]);
  const { job } = await runToEnd(core.api.startJob({ kind: 'adapt', projectId, config: { variant: 'sa-vlc', adapterDim: 8, maxEpochs: 2, seed: 1 } }));
  assert.equal(job.state, 'done', job.error ?? '');
  const r = job.result as AdaptResult;
  assert.equal(r.trainImages + r.heldOutImages, N, 'each corrected slice is one sample');
  assert.equal(r.heldOutImages, 1);
  assert.equal(r.candidate.n, 1);
});
