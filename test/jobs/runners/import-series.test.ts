// The import job over a folder of DICOM slices: a 300-slice series (written here, 16×12 each, in
// shuffled file order) becomes ONE image with 300 slices, each slice stored with its file, hash,
// SOP Instance UID and position; the library lists it once with its series description, slice
// count and spacing; importing it again is a duplicate; every frame reads its own file.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDicomHeader } from '../../../main/io/dicom.ts';
import { loadImageFrame } from '../../../main/io/import-scan.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { libraryPage } from '../../../main/store/library.ts';
import { dicomFile, pixelModule } from '../../helpers/dicom-writer.ts';
import { tempDir, tempStore } from '../../helpers/temp-store.ts';
import { put, runJob } from './sources.ts';

const runners = { import: importRunner };
const SLICES = 300;
const SPACING = 1.25;

/** Slice k of the series: axial, z = −100 + 1.25 k, pixel (0, 0) = k (so frames can be told apart). */
function slice(k: number): Uint8Array {
  const pixels = new Uint16Array(16 * 12).fill(500);
  pixels[0] = k;
  return dicomFile([
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: `1.2.3.4.5.6.${k}` },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x0008103e, vr: 'LO', value: 'Abdomen 1.25' },
    { tag: 0x0020000d, vr: 'UI', value: '1.2.3.4' },
    { tag: 0x0020000e, vr: 'UI', value: '1.2.3.4.5' },
    { tag: 0x00200013, vr: 'IS', value: [SLICES - k] },
    { tag: 0x00200032, vr: 'DS', value: [-80, -60, -100 + SPACING * k] },
    { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
    { tag: 0x00200052, vr: 'UI', value: '1.2.3.4.9' },
    { tag: 0x00280030, vr: 'DS', value: [0.75, 0.75] },
    { tag: 0x00281050, vr: 'DS', value: [150] },
    { tag: 0x00281051, vr: 'DS', value: [300] },
    ...pixelModule({ rows: 12, columns: 16, bits: 16, photometric: 'MONOCHROME2', pixels }),
  ]);
}

test('a 300-slice series is one image of 300 slices with its sources, one library entry, and a duplicate the second time', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-series-');
  // file names run against the slice order, and are not zero-padded (IM10 sorts before IM2)
  for (let k = 0; k < SLICES; k++) put(join(dir, 'series', `IM${(k * 7919) % SLICES}`), slice(k));
  put(join(dir, 'notes.txt'), 'not an image\n');
  const project = store.projects.create('abdomen');
  const { job, log } = await runJob(store, runners, 'import', { projectId: project.id, paths: [dir] });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.equal((job.result as { imported: number }).imported, 1);
  assert.equal((job.result as { failed: number }).failed, 1, log.join('\n'));

  const [image, ...others] = store.images.list(project.id);
  assert.equal(others.length, 0);
  assert.deepEqual([image.fileName, image.frames, image.width, image.height, image.modality, image.seriesDescription], ['Abdomen 1.25', SLICES, 16, 12, 'CT', 'Abdomen 1.25']);
  assert.deepEqual([image.studyUid, image.seriesUid, image.frameOfReferenceUid, image.sourcePath], ['1.2.3.4', '1.2.3.4.5', '1.2.3.4.9', join(dir, 'series')]);
  assert.deepEqual(image.pixelSpacing, [0.75, 0.75, SPACING]);
  assert.ok(store.images.thumbnail(image.id));

  const slices = store.images.slices(image.id);
  assert.equal(slices.length, SLICES);
  for (const k of [0, 1, 150, SLICES - 1]) {
    const s = slices[k];
    assert.equal(s.sopInstanceUid, `1.2.3.4.5.6.${k}`);
    assert.deepEqual(s.position, [-80, -60, -100 + SPACING * k]);
    assert.equal(readDicomHeader(readFileSync(s.sourcePath), s.sourcePath).sopInstanceUID, s.sopInstanceUid);
    // frame k reads slice k's own file: pixel 0 holds k, which a window centred on k shows as 128
    const raster = await loadImageFrame(store.images.frameSource(image.id, k), { center: k, width: 256 });
    assert.equal(raster.data[0], 128, `frame ${k}`);
  }

  const page = libraryPage(store.db, { projectId: project.id });
  assert.equal(page.total, 1);
  assert.deepEqual([page.rows[0].frames, page.rows[0].seriesDescription, page.rows[0].modality, page.rows[0].sliceSpacing], [SLICES, 'Abdomen 1.25', 'CT', SPACING]);

  const again = await runJob(store, runners, 'import', { projectId: project.id, paths: [join(dir, 'series')] });
  assert.deepEqual([(again.job.result as { imported: number }).imported, (again.job.result as { duplicates: number }).duplicates], [0, 1]);
  assert.equal(store.images.count(project.id), 1);
});
