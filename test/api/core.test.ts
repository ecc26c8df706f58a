// The core as the app opens it: lock, store, queue with the build's runners, lazy model.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '../../main/core.ts';
import { contentHash } from '../../main/store/images.ts';
import { tempDir } from '../helpers/temp-store.ts';

const model = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));

test('without a model the core still works; a preview says how to install one', async (t) => {
  const dir = tempDir(t);
  const core = openCore({ data: dir, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  t.after(() => core.close());
  assert.throws(() => openCore({ data: dir }), /in use by Delineate/);
  const p = await core.api.createProject({ name: 'p' });
  assert.ok(p.ok);
  const bytes = readFileSync(join(model, 'image.png'));
  writeFileSync(join(dir, 'a.png'), bytes);
  const img = core.store.images.add({ projectId: p.ok ? p.value.id : 0, sourcePath: join(dir, 'a.png'), contentHash: contentHash(bytes), fileName: 'a.png', width: 64, height: 64 });
  const r = await core.api.previewMask({ imageId: img.id, prompt: 'polyp' });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.code, 'no-model');
    assert.match(r.error.message, /npx delineate model download/);
  }
  // Adapting is accepted as a job and fails by name: there is no model to train on. The project has
  // enough named corrections that the job gets past its data checks to the model.
  const mask = { width: 64, height: 64, pixels: new Uint8Array(64 * 64).map((_, i) => (i % 64 < 32 ? 1 : 0)) };
  for (let i = 0; i < 5; i++) {
    const copy = Buffer.concat([bytes, Buffer.from([i])]); // a distinct file (trailing bytes after IEND) of the same image
    writeFileSync(join(dir, `c${i}.png`), copy);
    const c = core.store.images.add({ projectId: img.projectId, sourcePath: join(dir, `c${i}.png`), contentHash: contentHash(copy), fileName: `c${i}.png`, width: 64, height: 64 });
    assert.ok((await core.api.saveCorrectedMask({ imageId: c.id, mask, prompt: 'left half' })).ok);
  }
  const ended = new Promise<string>((resolve) => { const off = core.api.onJobEvent((e) => { if (e.type === 'state' && (e.job.state === 'failed' || e.job.state === 'done')) { off(); resolve(`${e.job.state}: ${e.job.error}`); } }); });
  const adapt = await core.api.startJob({ kind: 'adapt', projectId: img.projectId });
  assert.ok(adapt.ok);
  const end = await ended;
  assert.match(end, /^failed: No model is installed in /);
  assert.match(end, /npx delineate model download/);
});

test('with a model named, preview and a batch-segment job run through the same core', async (t) => {
  const dir = tempDir(t);
  const core = openCore({ data: dir, model, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  t.after(() => core.close());
  const p = await core.api.createProject({ name: 'p' });
  assert.ok(p.ok);
  const projectId = p.ok ? p.value.id : 0;
  const bytes = readFileSync(join(model, 'image.png'));
  writeFileSync(join(dir, 'a.png'), bytes);
  const img = core.store.images.add({ projectId, sourcePath: join(dir, 'a.png'), contentHash: contentHash(bytes), fileName: 'a.png', width: 64, height: 64 });
  const preview = await core.api.previewMask({ imageId: img.id, prompt: 'a polyp in an endoscopy image' });
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  const job = await core.api.startJob({ kind: 'segment-batch', projectId, config: { prompt: 'a polyp in an endoscopy image' } });
  assert.ok(job.ok, job.ok ? '' : job.error.message);
  await core.queue.idle();
  const masks = await core.api.currentMasks({ imageId: img.id });
  assert.ok(masks.ok);
  const saved = masks.ok ? masks.value.find((m) => m.kind === 'model') : undefined;
  assert.ok(saved, 'the batch job saved a model mask');
  assert.equal(saved!.area, preview.ok ? preview.value.pixels.reduce((a, b) => a + b, 0) : -1);
});

test('a model whose weights are truncated is a no-model error naming the file', async (t) => {
  const { copyFileSync, mkdirSync, readdirSync, truncateSync } = await import('node:fs');
  const dir = tempDir(t);
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  for (const f of readdirSync(model)) if (f !== 'golden') copyFileSync(join(model, f), join(broken, f));
  truncateSync(join(broken, 'model.safetensors'), 50_000);
  const core = openCore({ data: join(dir, 'data'), model: broken, engine: { provider: 'cpu', threads: 1, log: () => {} } });
  t.after(() => core.close());
  const p = await core.api.createProject({ name: 'p' });
  const bytes = readFileSync(join(model, 'image.png'));
  writeFileSync(join(dir, 'a.png'), bytes);
  const img = core.store.images.add({ projectId: p.ok ? p.value.id : 0, sourcePath: join(dir, 'a.png'), contentHash: contentHash(bytes), fileName: 'a.png', width: 64, height: 64 });
  const r = await core.api.previewMask({ imageId: img.id, prompt: 'polyp' });
  assert.ok(!r.ok && r.error.code === 'no-model' && /model\.safetensors/.test(r.error.message), JSON.stringify(r));
});

test('the core logs to logs/delineate.log (jobs, provider) and sweeps a killed model import', async (t) => {
  const { existsSync, mkdirSync } = await import('node:fs');
  const dir = tempDir(t);
  mkdirSync(join(dir, 'models', '.import-x-abc'), { recursive: true });
  mkdirSync(join(dir, 'models', '.staging-y'), { recursive: true });
  const core = openCore({ data: dir, model, engine: { provider: 'cpu', threads: 1 } });
  assert.equal(existsSync(join(dir, 'models', '.import-x-abc')), false);
  assert.equal(existsSync(join(dir, 'models', '.staging-y')), true, 'download staging is kept for resuming');
  const p = await core.api.createProject({ name: 'p' });
  const bytes = readFileSync(join(model, 'image.png'));
  writeFileSync(join(dir, 'a.png'), bytes);
  const img = core.store.images.add({ projectId: p.ok ? p.value.id : 0, sourcePath: join(dir, 'a.png'), contentHash: contentHash(bytes), fileName: 'a.png', width: 64, height: 64 });
  assert.ok((await core.api.previewMask({ imageId: img.id, prompt: 'polyp' })).ok);
  await core.api.startJob({ kind: 'segment-batch', projectId: img.projectId, config: { prompt: 'polyp' } });
  await core.queue.idle();
  await core.close();
  const log = readFileSync(join(dir, 'logs', 'delineate.log'), 'utf8');
  assert.match(log, /removed .*\.import-x-abc/);
  assert.match(log, /execution provider: cpu/);
  assert.match(log, /job \d+ \(segment-batch\) done/);
  assert.match(log, /closed\n$/);
});

test('the app log rotates past its limit, keeping one previous file', async (t) => {
  const { appLog } = await import('../../main/store/app-log.ts');
  const { existsSync } = await import('node:fs');
  const dir = tempDir(t);
  const log = appLog(dir, 200);
  for (let i = 0; i < 20; i++) log(`line ${i} ${'x'.repeat(20)}`);
  const current = readFileSync(join(dir, 'logs', 'delineate.log'), 'utf8');
  assert.ok(existsSync(join(dir, 'logs', 'delineate.log.1')));
  assert.ok(current.length < 400, `current log ${current.length} bytes`);
  assert.match(current, /line 19/);
});
