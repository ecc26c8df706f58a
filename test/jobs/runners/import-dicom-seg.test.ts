// DICOM SEG files in an import: their frames become corrected masks of the imported series they
// were derived from (matched by source SOP Instance UID), with labels from their segments; a SEG
// of nothing imported fails by name; a SEG exported by Delineate comes back as the same masks.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { encodeDicomSeg } from '../../../main/io/dicom-seg.ts';
import { exportRunner } from '../../../main/jobs/runners/export.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { tempDir, tempStore } from '../../helpers/temp-store.ts';
import { COLUMNS, patternMask, ROWS, STACK } from '../../io/dicom-seg-fixture.ts';
import { runJob } from './sources.ts';

const runners = { import: importRunner, export: exportRunner };

/** The fixture series copied into `dir`/ct, and a SEG of it at `dir`/a-seg.dcm (walked before the series). */
function folder(dir: string) {
  mkdirSync(join(dir, 'ct'), { recursive: true });
  const stack = STACK.map((f) => {
    const to = join(dir, 'ct', basename(f));
    copyFileSync(f, to);
    return to;
  });
  const masks = { liver0: patternMask(41), liver1: patternMask(42), cyst4: patternMask(43) };
  writeFileSync(
    join(dir, 'a-seg.dcm'),
    encodeDicomSeg(stack.map((path) => ({ path })), [
      { label: 'Liver', color: '#c03030', algorithm: { type: 'MANUAL' }, masks: [masks.liver0, masks.liver1, null, null, null] },
      { label: 'cyst', color: '#30c0c0', algorithm: { type: 'AUTOMATIC', name: 'other tool' }, masks: [null, null, null, null, masks.cyst4] },
    ]),
  );
  return { stack, masks, seg: join(dir, 'a-seg.dcm') };
}

test('import of a series with a SEG beside it: one stack, the SEG as corrected masks of its slices, labels from its segments', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-import-seg-');
  const { masks } = folder(dir);
  const { id: projectId } = store.projects.create('abdomen');
  const liver = store.labels.create({ projectId, name: 'liver', color: '#ff0000' });
  const { job, log } = await runJob(store, runners, 'import', { projectId, paths: [dir] });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(job.result, { imported: 1, duplicates: 0, failed: 0, failures: [], datasets: 0, masks: 3, labels: 1 });
  const [image] = store.images.list(projectId);
  assert.equal(image.frames, 5);
  assert.ok(log.some((l) => l.startsWith(`DICOM SEG ${join(dir, 'a-seg.dcm')}: 3 corrected masks on image ${image.id}`)), log.join('\n'));
  const labels = store.labels.list(projectId);
  assert.deepEqual(labels.map((l) => [l.name, l.color]), [['liver', '#ff0000'], ['cyst', '#30c0c0']], 'an existing label is reused (case aside); a new one gets the segment colour');
  const current = store.masks.listCurrent({ imageId: image.id });
  assert.deepEqual(current.map((m) => [m.labelId, m.frame, m.kind, m.source]), [
    [liver.id, 0, 'corrected', 'import'],
    [liver.id, 1, 'corrected', 'import'],
    [labels[1].id, 4, 'corrected', 'import'],
  ]);
  assert.deepEqual(current.map((m) => store.masks.get(m.id)!.pixels), [masks.liver0, masks.liver1, masks.cyst4]);
});

test('a SEG whose series is not in the project fails by name; the rest of the import goes on', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-import-seg-');
  const { seg } = folder(dir);
  const { id: projectId } = store.projects.create('empty');
  const { job, log } = await runJob(store, runners, 'import', { projectId, paths: [seg] });
  assert.equal(job.state, 'done', job.error ?? '');
  const result = job.result as { failed: number; failures: { path: string; reason: string }[]; masks: number; imported: number };
  assert.deepEqual([result.imported, result.failed, result.masks], [0, 1, 0]);
  assert.equal(result.failures[0].path, seg);
  assert.match(result.failures[0].reason, /^this DICOM SEG refers to no image of the project \(its source series 2\.25\.\d+\); import the series it was made on first, or together with it$/);
  assert.ok(log.some((l) => l.startsWith(`failed ${seg}: this DICOM SEG refers to no image`)), log.join('\n'));
  assert.equal(store.images.count(projectId), 0, 'the SEG is not imported as an image');
});

test('a SEG exported by Delineate imports into another project as the same masks', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-import-seg-');
  const { stack } = folder(dir);
  const a = store.projects.create('a').id;
  assert.equal((await runJob(store, runners, 'import', { projectId: a, paths: [join(dir, 'ct')] })).job.state, 'done');
  const [image] = store.images.list(a);
  const tumour = store.labels.create({ projectId: a, name: 'tumour', color: '#8040ff' });
  const saved = [1, 3].map((k) => store.masks.save({ imageId: image.id, labelId: tumour.id, frame: k, kind: 'corrected', width: COLUMNS, height: ROWS, pixels: patternMask(50 + k) }));
  const out = join(dir, 'export');
  assert.equal((await runJob(store, runners, 'export', { projectId: a, outDir: out, format: 'dicom-seg' })).job.state, 'done');

  const b = store.projects.create('b').id;
  const { job } = await runJob(store, runners, 'import', { projectId: b, paths: [join(dir, 'ct'), join(out, `img-${image.id}.dcm`)] });
  assert.deepEqual(job.result, { imported: 1, duplicates: 0, failed: 0, failures: [], datasets: 0, masks: 2, labels: 1 });
  const [copy] = store.images.list(b);
  const back = store.masks.listCurrent({ imageId: copy.id });
  assert.deepEqual(back.map((m) => m.frame), [1, 3]);
  back.forEach((m, i) => assert.deepEqual(store.masks.get(m.id)!.pixels, store.masks.get(saved[i].id)!.pixels));
  assert.deepEqual(store.labels.list(b).map((l) => [l.name, l.color]), [['tumour', '#8040ff']]);
  assert.equal(stack.length, 5);
});
