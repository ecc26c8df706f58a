// The export job's DICOM SEG format on a stored CT series (the oblique pydicom-written fixture) with
// corrected and model masks of two labels: each SEG is validated by dciodvfy and read back by
// pydicom, frame by frame, against the stored masks and the source files' own headers.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { exportRunner } from '../../../main/jobs/runners/export.ts';
import { contentHash } from '../../../main/store/images.ts';
import { dciodvfy, pydicomReadSeg } from '../../helpers/dicom-tools.ts';
import { tempDir, tempStore } from '../../helpers/temp-store.ts';
import { addFixtureStack, COLUMNS, patternMask, ROWS } from '../../io/dicom-seg-fixture.ts';
import { greyPng, put, runJob } from './sources.ts';

const bits = (m: Uint8Array) => Array.from(m, (v) => (v ? '1' : '0')).join('');

/** The fixture series stored as one 5-slice image, a PNG image, two labels and masks of both kinds. */
function project(t: TestContext) {
  const { store, dir: dataDir } = tempStore(t);
  const dir = tempDir(t, 'delineate-export-seg-');
  const { id: projectId } = store.projects.create('chest');
  const { image: ct, sources } = addFixtureStack(store, projectId);

  const png = greyPng(4, 3, (i) => i * 9);
  const pngPath = put(join(dir, 'photo.png'), png.bytes) && join(dir, 'photo.png');
  const photo = store.images.add({ projectId, sourcePath: pngPath, contentHash: contentHash(png.bytes), fileName: 'photo.png', width: 4, height: 3 });
  const liver = store.labels.create({ projectId, name: 'liver', color: '#d04020' });
  const nodule = store.labels.create({ projectId, name: 'Knötchen', color: '#20a0ff' });
  writeFileSync(join(dataDir, 'adapter.bin'), 'weights');
  const adapter = store.adapters.register({ projectId, name: 'site-A', variant: 'sa-vlc', baseModelHash: 'ab'.repeat(32), file: 'adapter.bin' });
  const save = (labelId: number, frame: number, kind: 'model' | 'corrected', pixels: Uint8Array, adapterId: number | null = null) =>
    store.masks.save({ imageId: ct.id, labelId, frame, kind, width: COLUMNS, height: ROWS, pixels, adapterId, prompt: kind === 'model' ? 'organ' : null });
  const m = {
    liverC0: patternMask(21),
    liverC2: patternMask(22),
    liverM2: patternMask(23), // shadowed by the corrected mask of slice 2
    liverM3: patternMask(24),
    noduleM4: patternMask(25),
    noduleM1: patternMask(0, true), // empty: no frame
  };
  save(liver.id, 0, 'corrected', m.liverC0);
  save(liver.id, 2, 'model', m.liverM2);
  save(liver.id, 2, 'corrected', m.liverC2);
  save(liver.id, 3, 'model', m.liverM3);
  save(nodule.id, 4, 'model', m.noduleM4, adapter.id);
  save(nodule.id, 1, 'model', m.noduleM1, adapter.id);
  store.masks.save({ imageId: photo.id, labelId: liver.id, frame: 0, kind: 'corrected', width: 4, height: 3, pixels: new Uint8Array(12).fill(1) });
  return { store, dir, projectId, ct, photo, liver, nodule, m, sources };
}

test('dicom-seg export: one SEG per series, corrected masks else the model\'s, MANUAL/SEMIAUTOMATIC/AUTOMATIC, read back by pydicom and dciodvfy', async (t) => {
  const p = project(t);
  const out = join(p.dir, 'out');
  const { job, log: logs } = await runJob(p.store, { export: exportRunner }, 'export', { projectId: p.projectId, outDir: out, format: 'dicom-seg' });
  assert.equal(job.state, 'done', job.error ?? '');
  const file = `img-${p.ct.id}.dcm`;
  assert.deepEqual(readdirSync(out).sort(), [file, 'manifest.json']);
  assert.deepEqual(job.result, { dir: out, files: 1, masks: 5, skipped: 1 });
  assert.ok(logs.some((l) => new RegExp(`image ${p.photo.id} \\(photo\\.png\\) is not DICOM`).test(l)), logs.join('\n'));

  const v = dciodvfy(join(out, file));
  assert.deepEqual(v.errors, [], `dciodvfy reported IOD errors:\n${v.output}`);
  const seg = pydicomReadSeg(join(out, file));
  assert.equal(seg.studyInstanceUID, p.sources[0].studyInstanceUID);
  assert.equal(seg.frameOfReferenceUID, p.sources[0].frameOfReferenceUID);
  assert.equal(seg.patientID, p.sources[0].patientID);
  assert.deepEqual(
    seg.segments.map((s) => [s.number, s.label, s.algorithmType, s.algorithmName]),
    [
      [1, 'liver', 'SEMIAUTOMATIC', 'CLIPSeg'],
      [2, 'Knötchen', 'AUTOMATIC', 'CLIPSeg + adapter site-A (sa-vlc)'],
    ],
  );
  const expected: [number, number, Uint8Array][] = [
    [1, 0, p.m.liverC0],
    [1, 2, p.m.liverC2],
    [1, 3, p.m.liverM3],
    [2, 4, p.m.noduleM4],
  ];
  assert.equal(seg.frames.length, expected.length);
  expected.forEach(([segment, slice, mask], i) => {
    const f = seg.frames[i];
    assert.equal(f.segment, segment);
    assert.equal(f.sopInstanceUID, p.sources[slice].sopInstanceUID);
    assert.deepEqual(f.position, p.sources[slice].position);
    assert.equal(f.bits, bits(mask), `frame ${i + 1}: segment ${segment}, slice ${slice}`);
  });

  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.format, 'dicom-seg');
  assert.deepEqual(manifest.files[0].segments.map((s: { label: string; labelId: number; algorithm: string }) => [s.label, s.labelId, s.algorithm]), [
    ['liver', p.liver.id, 'SEMIAUTOMATIC'],
    ['Knötchen', p.nodule.id, 'AUTOMATIC'],
  ]);
});

test('dicom-seg export of model masks only, of one label; nothing DICOM to export is an error saying so', async (t) => {
  const p = project(t);
  const out = join(p.dir, 'out-model');
  const { job } = await runJob(p.store, { export: exportRunner }, 'export', { projectId: p.projectId, outDir: out, format: 'dicom-seg', kind: 'model' });
  assert.equal(job.state, 'done', job.error ?? '');
  const seg = pydicomReadSeg(join(out, `img-${p.ct.id}.dcm`));
  assert.deepEqual(seg.segments.map((s) => [s.label, s.algorithmType]), [['liver', 'AUTOMATIC'], ['Knötchen', 'AUTOMATIC']]);
  assert.deepEqual(seg.frames.map((f) => [f.segment, p.sources.findIndex((s) => s.sopInstanceUID === f.sopInstanceUID), f.bits]), [
    [1, 2, bits(p.m.liverM2)],
    [1, 3, bits(p.m.liverM3)],
    [2, 4, bits(p.m.noduleM4)],
  ]);

  const liverOnly = join(p.dir, 'out-liver');
  const labelled = await runJob(p.store, { export: exportRunner }, 'export', { projectId: p.projectId, outDir: liverOnly, format: 'dicom-seg', labelId: p.liver.id });
  assert.equal(labelled.job.state, 'done', labelled.job.error ?? '');
  assert.deepEqual(pydicomReadSeg(join(liverOnly, `img-${p.ct.id}.dcm`)).segments.map((s) => [s.label, s.algorithmType]), [['liver', 'SEMIAUTOMATIC']]);

  p.store.images.remove(p.ct.id);
  const none = await runJob(p.store, { export: exportRunner }, 'export', { projectId: p.projectId, outDir: join(p.dir, 'out-none'), format: 'dicom-seg' });
  assert.equal(none.job.state, 'failed');
  assert.match(none.job.error ?? '', /nothing to export: no masks of project \d+ are on DICOM images/);
  assert.deepEqual(readdirSync(p.dir).filter((n) => n.startsWith('out-none')), [], 'no folder left behind');
});

test('dicom-seg export: a source file changed since import leaves that series out with the reason', async (t) => {
  const p = project(t);
  // the stored hash of slice 3 no longer matches its file
  const changed = p.store.images.slices(p.ct.id)[3];
  p.store.images.remove(p.photo.id);
  p.store.db.prepare('UPDATE image_slices SET source_hash = ? WHERE image_id = ? AND slice = 3').run('0'.repeat(64), p.ct.id);
  const { job, log: logs } = await runJob(p.store, { export: exportRunner }, 'export', { projectId: p.projectId, outDir: join(p.dir, 'out'), format: 'dicom-seg' });
  assert.equal(job.state, 'failed');
  assert.ok(logs.some((l) => l.includes(`slice 3 of image ${p.ct.id}: ${changed.sourcePath} changed since it was imported`)), logs.join('\n'));
});
