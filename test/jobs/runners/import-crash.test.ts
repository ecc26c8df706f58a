// An import whose process is SIGKILLed mid-way resumes on recover() from its last committed batch:
// no image is added twice, and files counted before the crash are not counted (or logged) again.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JobQueue } from '../../../main/jobs/queue.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { openStore } from '../../../main/store/store.ts';
import { tempDir } from '../../helpers/temp-store.ts';
import { greyPng, maskPng, put, writeDataset } from './sources.ts';

const child = fileURLToPath(new URL('./import-crash-child.ts', import.meta.url));

function runUntilKilled(file: string, folder: string, killAt: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, file, folder, String(killAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the child ended with ${code ?? signal} instead of being killed\n${err}`));
    });
  });
}

test('a killed import resumes from its last batch without duplicate rows or double counts', async (t) => {
  const dir = tempDir(t, 'delineate-import-crash-');
  const folder = join(dir, 'in');
  // walk order: f00 … f09; f03 repeats f01's bytes, f06 is not an image
  const hashes = new Map<string, string>();
  for (let n = 0; n < 10; n++) {
    const name = `f${String(n).padStart(2, '0')}.png`;
    const bytes = n === 6 ? put(join(folder, name), 'not a png') : put(join(folder, name), greyPng(8, 8, (i) => i * (n === 3 ? 2 : n + 1)).bytes);
    if (n !== 6 && n !== 3) hashes.set(name, createHash('sha256').update(bytes).digest('hex'));
  }
  const file = join(dir, 'db.sqlite');
  await runUntilKilled(file, folder, 5);

  const store = openStore({ file });
  t.after(() => store.close());
  const [before] = store.jobs.list();
  assert.equal(before.state, 'running', 'the kill left the job running');
  // batches of 2: files 1–4 were committed with their checkpoint, file 5 was read but not committed
  assert.deepEqual(before.checkpoint, { entry: 4, record: 0, counts: { imported: 3, duplicates: 1, failed: 0, failures: [], datasets: 0, masks: 0, labels: 0 } });
  assert.deepEqual(store.images.list(before.projectId!).map((i) => i.fileName), ['f00.png', 'f01.png', 'f02.png']);

  const queue = new JobQueue(store, { import: importRunner }, { progressIntervalMs: 0 });
  assert.deepEqual(queue.recover().requeued.map((j) => j.id), [before.id]);
  queue.start();
  await queue.idle();
  await queue.close();

  const job = store.jobs.get(before.id)!;
  assert.deepEqual([job.state, job.attempts, job.error], ['done', 2, null]);
  assert.deepEqual(job.result, { imported: 8, duplicates: 1, failed: 1, failures: [{ path: join(folder, 'f06.png'), reason: 'not a PNG, JPEG, DICOM or NIfTI file' }], datasets: 0, masks: 0, labels: 0 });
  const images = store.images.list(before.projectId!);
  assert.deepEqual(images.map((i) => [i.fileName, i.contentHash]), [...hashes.entries()]);
  const log = store.jobs.log(job.id).map((l) => l.line);
  assert.equal(log.filter((l) => l.startsWith('duplicate ')).length, 1, log.join('\n'));
  assert.deepEqual(log.filter((l) => l.startsWith('failed ')), [`failed ${join(folder, 'f06.png')}: not a PNG, JPEG, DICOM or NIfTI file`]);
  assert.ok(log.includes('resuming after 4 entries'), log.join('\n'));
});

test('a dataset import killed between records resumes at the next record', async (t) => {
  const dir = tempDir(t, 'delineate-import-crash-');
  const root = join(dir, 'endo');
  const images: Record<string, Uint8Array> = {};
  const masks: Record<string, Uint8Array> = {};
  const pixels: Uint8Array[] = [];
  for (let n = 0; n < 6; n++) {
    if (n < 5) images[`i${n}.png`] = greyPng(4, 4, (i) => i * (n + 1)).bytes;
    pixels.push(Uint8Array.from({ length: 16 }, (_, i) => (i === n || i === 15 - n ? 1 : 0)));
    masks[`m${n}.png`] = maskPng(4, 4, pixels[n]);
  }
  // record 2 (0-based) is a second structure on record 1's image
  const imageOf = [0, 1, 1, 2, 3, 4];
  writeDataset(root, images, masks, imageOf.map((k, n) => ({ split: 'train' as const, image: `i${k}.png`, mask: `m${n}.png`, prompts: { p0: '', p1: n === 2 ? 'instrument' : 'polyp' } })));
  const file = join(dir, 'db.sqlite');
  await runUntilKilled(file, root, 3);

  const store = openStore({ file });
  t.after(() => store.close());
  const [before] = store.jobs.list();
  assert.deepEqual(before.checkpoint, { entry: 0, record: 2, counts: { imported: 2, duplicates: 0, failed: 0, failures: [], datasets: 0, masks: 2, labels: 1 } });

  const queue = new JobQueue(store, { import: importRunner }, { progressIntervalMs: 0 });
  queue.start();
  await queue.idle();
  await queue.close();
  const job = store.jobs.get(before.id)!;
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(job.result, { imported: 5, duplicates: 0, failed: 0, failures: [], datasets: 1, masks: 6, labels: 2 });
  const projectId = before.projectId!;
  const ids = new Map(store.images.list(projectId).map((i) => [i.fileName, i.id]));
  assert.deepEqual([...ids.keys()], ['i0.png', 'i1.png', 'i2.png', 'i3.png', 'i4.png']);
  const labels = new Map(store.labels.list(projectId).map((l) => [l.name, l.id]));
  assert.deepEqual([...labels.keys()], ['polyp', 'instrument']);
  imageOf.forEach((k, n) => {
    const slot = { imageId: ids.get(`i${k}.png`)!, labelId: labels.get(n === 2 ? 'instrument' : 'polyp')!, kind: 'corrected' as const };
    assert.equal(store.masks.history(slot).length, 1, `one save for record ${n}`);
    assert.deepEqual([...store.masks.current(slot)!.pixels], [...pixels[n]]);
  });
  assert.ok(store.jobs.log(job.id).some((l) => l.line === 'resuming after 0 entries and 2 records of the next'));
});
