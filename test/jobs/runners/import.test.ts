// The import job over real files made here: good PNG/DICOM/NIfTI files, corrupt ones and a
// duplicate; a MedVLSM dataset; re-imports. Expected rows come from how the files were built.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { JobQueue } from '../../../main/jobs/queue.ts';
import { importRunner, labelName, promptList } from '../../../main/jobs/runners/import.ts';
import { IMAGE_SPLITS_SETTING } from '../../../main/store/projects.ts';
import { tempDir, tempStore } from '../../helpers/temp-store.ts';
import { ctAffine, ctDicom, greyPng, maskPng, niftiVolume, put, runJob, volumeAffine, writeDataset } from './sources.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const runners = { import: importRunner };

test('a folder import adds the good files, counts the duplicate and logs each failure with its reason', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-import-');
  const ramp = greyPng(6, 4, (i) => i * 10);
  const files = {
    'a-ramp.png': put(join(dir, 'a-ramp.png'), ramp.bytes),
    'b-corrupt.png': put(join(dir, 'b-corrupt.png'), ramp.bytes.subarray(0, 45)),
    'c-notes.txt': put(join(dir, 'c-notes.txt'), 'a list of patients, not an image\n'),
    'ct.dcm': put(join(dir, 'd', 'ct.dcm'), ctDicom()),
    'vol.nii.gz': put(join(dir, 'd', 'vol.nii.gz'), niftiVolume()),
    'copy.png': put(join(dir, 'e', 'copy.png'), ramp.bytes),
  };
  const project = store.projects.create('lungs');
  const { job, log, progress } = await runJob(store, runners, 'import', { projectId: project.id, paths: [dir] });

  assert.equal(job.state, 'done', job.error ?? '');
  const listed = [
    { path: join(dir, 'b-corrupt.png'), reason: 'truncated or corrupt PNG (its compressed image data ends early)' },
    { path: join(dir, 'c-notes.txt'), reason: 'not a PNG, JPEG, DICOM or NIfTI file' },
  ];
  assert.deepEqual(job.result, { imported: 3, duplicates: 1, failed: 2, failures: listed, datasets: 0, masks: 0, labels: 0 });
  // a DICOM slice with a patient position waits for its series: it comes after the walk
  assert.deepEqual(progress.at(-1), { done: 6, total: 6, message: 'ct.dcm' });

  const images = store.images.list(project.id);
  assert.deepEqual(images.map((i) => [i.fileName, i.contentHash, i.width, i.height, i.frames]), [
    ['a-ramp.png', sha(files['a-ramp.png']), 6, 4, 1],
    ['vol.nii.gz', sha(files['vol.nii.gz']), 4, 3, 5],
    ['ct.dcm', sha(files['ct.dcm']), 3, 2, 1],
  ]);
  const [png, vol, ct] = images;
  assert.equal(png.sourcePath, join(dir, 'a-ramp.png'));
  assert.deepEqual([png.modality, png.pixelSpacing, png.window], [null, null, null]);
  assert.deepEqual([ct.modality, ct.pixelSpacing, ct.window], ['CT', [0.7, 0.6], { center: 40, width: 400 }]);
  assert.deepEqual((ct.geometry as { affine: number[][] }).affine, ctAffine);
  assert.deepEqual(vol.pixelSpacing, [0.75, 0.5]);
  assert.deepEqual((vol.geometry as { affine: number[][]; dims: number[] }).affine, volumeAffine);
  assert.deepEqual((vol.geometry as { dims: number[] }).dims, [4, 3, 5]);

  // thumbnails: a small image is not enlarged, so the ramp's thumbnail is the ramp itself
  const thumb = decode(store.images.thumbnail(png.id)!);
  assert.deepEqual([thumb.width, thumb.height, [...thumb.data]], [6, 4, [...ramp.pixels]]);
  for (const image of [ct, vol]) {
    const t2 = decode(store.images.thumbnail(image.id)!);
    assert.deepEqual([t2.width, t2.height], [image.width, image.height]);
  }

  const failures = log.filter((l) => l.startsWith('failed '));
  assert.equal(failures.length, 2);
  assert.ok(failures[0].startsWith(`failed ${join(dir, 'b-corrupt.png')}: truncated or corrupt PNG (its compressed image data ends early)`), failures[0]);
  assert.equal(failures[1], `failed ${join(dir, 'c-notes.txt')}: not a PNG, JPEG, DICOM or NIfTI file`);
  assert.deepEqual(log.filter((l) => l.startsWith('duplicate ')), [`duplicate ${join(dir, 'e', 'copy.png')}: same content as image ${png.id} (a-ramp.png)`]);

  // the same folder again adds nothing: every readable file is a duplicate now
  const again = await runJob(store, runners, 'import', { projectId: project.id, paths: [dir] });
  assert.deepEqual(again.job.result, { imported: 0, duplicates: 4, failed: 2, failures: listed, datasets: 0, masks: 0, labels: 0 });
  assert.equal(store.images.count(project.id), 3);
});

test('a MedVLSM dataset becomes images, one label per p1 prompt, corrected masks equal to its masks, and splits', async (t) => {
  const { store } = tempStore(t);
  const root = join(tempDir(t, 'delineate-import-'), 'kvasir-mini');
  const a = greyPng(5, 4, (i) => 20 + i);
  const b = greyPng(5, 4, (i) => 200 - i);
  const c = greyPng(3, 3, (i) => i * 7);
  const masks = {
    a: Uint8Array.from({ length: 20 }, (_, i) => (i % 5 >= 2 && i >= 5 ? 1 : 0)),
    aTool: Uint8Array.from({ length: 20 }, (_, i) => (i < 3 ? 1 : 0)),
    b: Uint8Array.from({ length: 20 }, (_, i) => (i === 7 || i === 12 ? 1 : 0)),
    c: Uint8Array.from({ length: 9 }, (_, i) => (i === 4 ? 1 : 0)),
  };
  writeDataset(
    root,
    { 'a.png': a.bytes, 'b.png': b.bytes, 'c.png': c.bytes },
    { 'a.png': maskPng(5, 4, masks.a), 'a-tool.png': maskPng(5, 4, masks.aTool), 'b.png': maskPng(5, 4, masks.b), 'c.png': maskPng(3, 3, masks.c) },
    [
      { split: 'train', image: 'a.png', mask: 'a.png', prompts: { p0: '', p1: 'polyp', p2: 'pink polyp', p3: ['small polyp', 'round polyp'] } },
      { split: 'train', image: 'a.png', mask: 'a-tool.png', prompts: { p0: '', p1: 'instrument' } },
      { split: 'val', image: 'b.png', mask: 'b.png', prompts: { p0: '', p1: 'polyp', p2: 'red polyp' } },
      { split: 'test', image: 'c.png', mask: 'c.png', prompts: { p0: '', p1: 'Polyp', p2: 'pink polyp' } },
    ],
  );
  const project = store.projects.create('colon');
  const { job, log } = await runJob(store, runners, 'import', { projectId: project.id, paths: [root] });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(job.result, { imported: 3, duplicates: 0, failed: 0, failures: [], datasets: 1, masks: 4, labels: 2 });
  assert.ok(log.includes(`dataset ${root}: 4 records`), log.join('\n'));

  const labels = store.labels.list(project.id);
  assert.deepEqual(labels.map((l) => [l.name, l.prompts]), [
    ['polyp', ['polyp', 'pink polyp', 'small polyp', 'round polyp', 'red polyp']],
    ['instrument', ['instrument']],
  ]);
  const [polyp, instrument] = labels;
  const byName = new Map(store.images.list(project.id).map((i) => [i.fileName, i]));
  assert.deepEqual([...byName.keys()], ['a.png', 'b.png', 'c.png']);
  const expect: [string, number, Uint8Array][] = [['a.png', polyp.id, masks.a], ['a.png', instrument.id, masks.aTool], ['b.png', polyp.id, masks.b], ['c.png', polyp.id, masks.c]];
  for (const [file, labelId, pixels] of expect) {
    const mask = store.masks.current({ imageId: byName.get(file)!.id, labelId, kind: 'corrected' });
    assert.ok(mask, `${file} has a mask for label ${labelId}`);
    assert.deepEqual([mask.source, mask.kind, mask.prompt, [...mask.pixels]], ['import', 'corrected', labelId === polyp.id ? 'polyp' : 'instrument', [...pixels]]);
  }
  assert.deepEqual(store.projects.get(project.id)!.settings[IMAGE_SPLITS_SETTING], { [sha(a.bytes)]: 'train', [sha(b.bytes)]: 'val', [sha(c.bytes)]: 'test' });

  // importing it again saves no new mask versions and no new labels
  const again = await runJob(store, runners, 'import', { projectId: project.id, paths: [root] });
  assert.deepEqual(again.job.result, { imported: 0, duplicates: 3, failed: 0, failures: [], datasets: 1, masks: 0, labels: 0 });
  assert.equal(store.masks.history({ imageId: byName.get('a.png')!.id, labelId: polyp.id, kind: 'corrected' }).length, 1);
});

test('a bad record of a dataset is logged and the rest imported; a bad config fails the job', async (t) => {
  const { store } = tempStore(t);
  const root = join(tempDir(t, 'delineate-import-'), 'ds');
  const img = greyPng(4, 4, (i) => i);
  // y's mask has a readable header (the dataset check passes) but a truncated body
  const truncated = maskPng(4, 4, new Uint8Array(16)).subarray(0, 40);
  writeDataset(root, { 'x.png': img.bytes, 'y.png': greyPng(4, 4, (i) => 99 - i).bytes }, { 'x.png': maskPng(4, 4, new Uint8Array(16).fill(1)), 'y.png': truncated }, [
    { split: 'train', image: 'x.png', mask: 'x.png', prompts: { p1: '', p2: 'lesion' } },
    { split: 'train', image: 'y.png', mask: 'y.png', prompts: { p1: 'lesion' } },
  ]);
  const project = store.projects.create('p');
  const { job, log } = await runJob(store, runners, 'import', { projectId: project.id, paths: [root] });
  assert.equal(job.state, 'done', job.error ?? '');
  const { failures, ...counts } = job.result as { failures: { path: string; reason: string }[] };
  assert.deepEqual(counts, { imported: 1, duplicates: 0, failed: 1, datasets: 1, masks: 1, labels: 1 });
  assert.deepEqual(failures.map((f) => f.path), [join(root, 'masks', 'y.png')]);
  assert.match(failures[0].reason, /truncated PNG/);
  assert.match(log.find((l) => l.startsWith('failed '))!, new RegExp(`^failed ${join(root, 'masks', 'y.png')}: `));
  // no p1: the label is named after the dataset folder, with the record's other prompts
  assert.deepEqual(store.labels.list(project.id).map((l) => [l.name, l.prompts]), [['ds', ['ds', 'lesion']]]);

  const bad = await runJob(store, runners, 'import', { projectId: project.id, paths: [] });
  assert.equal(bad.job.state, 'failed');
  assert.equal(bad.job.error, 'import config paths: must be a non-empty list of file or folder paths, got []');
  const gone = await runJob(store, runners, 'import', { projectId: 999, paths: [root] });
  assert.deepEqual([gone.job.state, gone.job.error], ['failed', 'project 999 does not exist']);
});

test('a cancel between files stops the import and keeps the files read so far', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-import-');
  for (let n = 0; n < 6; n++) put(join(dir, `f${n}.png`), greyPng(4, 4, (i) => i + 10 * n).bytes);
  const project = store.projects.create('p');
  const queue = new JobQueue(store, runners, { progressIntervalMs: 0 });
  let id = 0;
  queue.subscribe((e) => {
    if (e.type === 'progress' && e.progress.done === 2) queue.cancel(id);
  });
  queue.start();
  id = queue.enqueue('import', { projectId: project.id, paths: [dir] }, { projectId: project.id }).id;
  await queue.idle();
  await queue.close();
  const job = store.jobs.get(id)!;
  assert.equal(job.state, 'cancelled');
  // both files were still in the uncommitted batch when the cancel came: they are committed, no more
  assert.deepEqual(store.images.list(project.id).map((i) => i.fileName), ['f0.png', 'f1.png']);
  assert.deepEqual(job.checkpoint, { entry: 2, record: 0, counts: { imported: 2, duplicates: 0, failed: 0, failures: [], datasets: 0, masks: 0, labels: 0 } });
});

test('prompt helpers: key order, lists flattened, empty and repeated prompts dropped; label name from p1', () => {
  assert.deepEqual(promptList({ p10: 'z', p2: ['b', 'B '], p0: '', p1: 'a', extra: 'q' }), ['a', 'b', 'z', 'q']);
  assert.equal(labelName({ p0: '', p1: [' ', 'left atrium'] }, 'camus'), 'left atrium');
  assert.equal(labelName({ p0: '', p2: 'x' }, 'camus'), 'camus');
});
