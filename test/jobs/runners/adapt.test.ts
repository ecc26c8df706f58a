// The adapt job end to end through the core: corrected masks of a project train an adapter on the
// tiny model, the result compares it with the base model on held-out corrections, the adapter is
// stored (not active), activating it changes previews; too few corrections and bad configs are
// refused by name; cancelling leaves no adapter and no checkpoint.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AdaptResult, ApiResult, JobInfo } from '../../../main/contract/contract.ts';
import { type Core, openCore } from '../../../main/core.ts';
import { encodePng } from '../../../main/io/image-decode.ts';
import { makeThumbnail } from '../../../main/io/thumbnail.ts';
import { contentHash } from '../../../main/store/images.ts';
import { dataPaths } from '../../../main/fs/data-folder.ts';
import { mulberry32 } from '../../../main/common/rng.ts';
import { generateImage } from '../../../main/training/synthetic.ts';

const model = fileURLToPath(new URL('../../fixtures/clipseg-tiny/', import.meta.url));
let dir: string;
let core: Core;
let projectId: number;

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

function finished(jobId: number): Promise<JobInfo> {
  return new Promise((resolve) => {
    const off = core.api.onJobEvent((e) => {
      if (e.type === 'state' && e.job.id === jobId && ['done', 'failed', 'cancelled', 'interrupted'].includes(e.job.state)) { off(); resolve(e.job); }
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delineate-adapt-'));
  core = openCore({ data: join(dir, 'data'), model, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  projectId = ok(await core.api.createProject({ name: 'Shapes' })).id;
  const rng = mulberry32(7);
  for (let i = 0; i < 6; i++) {
    const s = generateImage('source', 64, rng);
    const bytes = encodePng(s.image);
    const path = join(dir, `img-${i}.png`);
    writeFileSync(path, bytes);
    const image = core.store.images.add({ projectId, sourcePath: path, contentHash: contentHash(bytes), fileName: `img-${i}.png`, width: 64, height: 64, thumbnail: makeThumbnail(s.image, 16) });
    if (i < 5) ok(await core.api.saveCorrectedMask({ imageId: image.id, mask: { width: 64, height: 64, pixels: s.mask }, prompt: s.prompts.p1 as string }));
  }
});

after(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

test('adapt trains on the corrections, reports the candidate against the base model on held-out images, and stores it inactive', async () => {
  const progress: unknown[] = [];
  const off = core.api.onJobEvent((e) => { if (e.type === 'progress') progress.push(e.progress); });
  const job = ok(await core.api.startJob({ kind: 'adapt', projectId, config: { variant: 'sa-vlc', adapterDim: 8, maxEpochs: 3, seed: 1 } }));
  const end = await finished(job.id);
  off();
  assert.equal(end.state, 'done', end.error ?? '');
  const r = end.result as AdaptResult;
  assert.equal(r.trainImages + r.heldOutImages, 5);
  assert.equal(r.heldOutImages, 1);
  assert.equal(r.epochs, 3);
  assert.equal(r.current.adapterId, null);
  for (const s of [r.candidate, r.current]) {
    assert.equal(s.n, 1);
    assert.ok(s.dsc.mean >= 0 && s.dsc.mean <= 1 && s.hd95.mean >= 0);
  }
  assert.ok(progress.some((p) => (p as { phase?: string }).phase === 'training' && typeof (p as { lr?: number }).lr === 'number'));
  const adapters = ok(await core.api.listAdapters({ projectId }));
  const stored = adapters.find((a) => a.id === r.adapterId)!;
  assert.equal(stored.variant, 'sa-vlc');
  assert.match(stored.name, /^“[^”]+”.* · 4 corrections, 1 held out$/, 'named by what it trained on');
  assert.equal(stored.active, false);
  assert.equal(stored.metrics.dsc, r.candidate.dsc.mean);
  assert.ok(existsSync(core.store.adapters.filePath(r.adapterId)));
  assert.deepEqual(readdirSync(dataPaths.adapters(core.dataDir)).filter((f) => f.endsWith('.checkpoint')), []);
  // Activating it changes the pixels previews draw, and rolling back restores the base model's
  // exactly. The mask is swept over thresholds: the probabilities move, but a single threshold
  // need not be crossed by any of them.
  const image = core.store.images.list(projectId)[5];
  const sweep = async (adapterId: number | null): Promise<Uint8Array[]> => {
    const masks: Uint8Array[] = [];
    for (let i = 1; i < 40; i++) {
      const p = ok(await core.api.previewMask({ imageId: image.id, prompt: 'circle', threshold: i / 40 }));
      assert.equal(p.adapterId, adapterId);
      masks.push(Uint8Array.from(p.pixels));
    }
    return masks;
  };
  const differing = (a: Uint8Array[], b: Uint8Array[]) => a.reduce((n, m, i) => n + m.reduce((k, v, j) => k + (v !== b[i][j] ? 1 : 0), 0), 0);
  const base = await sweep(null);
  ok(await core.api.activateAdapter({ adapterId: r.adapterId }));
  const adapted = await sweep(r.adapterId);
  assert.ok(differing(base, adapted) > 0, 'the active adapter changes no preview pixel at any threshold');
  ok(await core.api.rollbackAdapter({ projectId }));
  assert.equal(differing(base, await sweep(null)), 0, 'back on the base model, previews match the base model again');
});

test('adapt refuses baselines and bad settings by name, and projects with too few corrections', async () => {
  for (const [config, pattern] of [[{ variant: 'full' }, /adapter variant/], [{ maxEpochs: 0 }, /maxEpochs/], [{ lr: -1 }, /lr/]] as const) {
    const job = ok(await core.api.startJob({ kind: 'adapt', projectId, config }));
    const end = await finished(job.id);
    assert.equal(end.state, 'failed');
    assert.match(end.error ?? '', pattern);
  }
  const empty = ok(await core.api.createProject({ name: 'Empty' })).id;
  const job = ok(await core.api.startJob({ kind: 'adapt', projectId: empty, config: {} }));
  const end = await finished(job.id);
  assert.equal(end.state, 'failed');
  assert.match(end.error ?? '', /0 corrected masks.*at least 4/);
});

test('cancelling an adapt job stores no adapter and leaves no checkpoint', async () => {
  const count = ok(await core.api.listAdapters({ projectId })).length;
  const job = ok(await core.api.startJob({ kind: 'adapt', projectId, config: { variant: 'da-vlc', adapterDim: 8, maxEpochs: 200, seed: 2 } }));
  const off = core.api.onJobEvent((e) => { if (e.type === 'progress' && e.jobId === job.id && (e.progress as { epoch?: number }).epoch === 2) void core.api.cancelJob({ jobId: job.id }); });
  const end = await finished(job.id);
  off();
  assert.equal(end.state, 'cancelled');
  assert.equal(ok(await core.api.listAdapters({ projectId })).length, count);
  assert.deepEqual(readdirSync(dataPaths.adapters(core.dataDir)).filter((f) => f.endsWith('.checkpoint')), []);
});
