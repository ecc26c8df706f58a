// Stacks in the store: an image assembled from slices of several files keeps where each slice
// comes from (file, hash, frame, volume, SOP UIDs, position), frameSource points each frame at its
// own file, and the library lists the stack once with its series description and spacing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidValueError, NotFoundError } from '../../main/store/errors.ts';
import { libraryPage } from '../../main/store/library.ts';
import { hash, tempStore } from '../helpers/temp-store.ts';

const slices = (n: number) =>
  Array.from({ length: n }, (_, k) => ({
    sourcePath: `/scans/ct/IM${String(n - k).padStart(4, '0')}`,
    sourceHash: hash(100 + k),
    sourceFrame: 0,
    sopInstanceUid: `1.2.3.4.${k}`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    position: [-100, -120, 10 + 2.5 * k],
  }));

test('a stack stores one source per slice and frameSource reads each frame from its own file with the stack window', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('CT');
  const image = store.images.add({
    projectId: p.id, sourcePath: '/scans/ct', contentHash: hash(1), fileName: 'Chest 2.5mm', width: 16, height: 12, frames: 5,
    modality: 'CT', pixelSpacing: [0.7, 0.6, 2.5], geometry: { dims: [16, 12, 5], spacing: [0.6, 0.7, 2.5] }, window: { center: 40, width: 400 },
    studyUid: '1.2.3', seriesUid: '1.2.3.4', frameOfReferenceUid: '1.2.3.9', seriesDescription: 'Chest 2.5mm', slices: slices(5),
  });
  assert.equal(image.stacked, true);
  assert.deepEqual([image.studyUid, image.seriesUid, image.frameOfReferenceUid, image.seriesDescription], ['1.2.3', '1.2.3.4', '1.2.3.9', 'Chest 2.5mm']);
  const back = store.images.slices(image.id);
  assert.equal(back.length, 5);
  assert.deepEqual(back[3], { index: 3, sourcePath: '/scans/ct/IM0002', sourceHash: hash(103), sourceFrame: 0, sourceVolume: 0, sopInstanceUid: '1.2.3.4.3', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', position: [-100, -120, 17.5] });
  assert.deepEqual(store.images.frameSource(image.id, 3), { path: '/scans/ct/IM0002', contentHash: hash(103), frame: 0, volume: 0, window: { center: 40, width: 400 } });
  assert.throws(() => store.images.frameSource(image.id, 5), RangeError);
  assert.throws(() => store.images.frameSource(999, 0), NotFoundError);

  // a 2-D image has no slices and reads frame k of its own file with its own window
  const png = store.images.add({ projectId: p.id, sourcePath: '/x/a.png', contentHash: hash(2), fileName: 'a.png', width: 4, height: 3, window: { center: 1, width: 2 } });
  assert.equal(png.stacked, false);
  assert.deepEqual(store.images.slices(png.id), []);
  assert.deepEqual(store.images.frameSource(png.id, 0), { path: '/x/a.png', contentHash: hash(2), frame: 0, volume: 0, window: null });

  // the library: one entry for the stack, with what the card shows; search finds the description
  const page = libraryPage(store.db, { projectId: p.id });
  assert.equal(page.total, 2);
  const row = page.rows.find((r) => r.id === image.id)!;
  assert.deepEqual([row.frames, row.modality, row.seriesDescription, row.sliceSpacing, row.pixelSpacing], [5, 'CT', 'Chest 2.5mm', 2.5, [0.7, 0.6, 2.5]]);
  assert.equal(page.rows.find((r) => r.id === png.id)!.sliceSpacing, null);
  assert.deepEqual(libraryPage(store.db, { projectId: p.id, search: 'chest' }).rows.map((r) => r.id), [image.id]);

  // deleting the image deletes its slices
  store.images.remove(image.id);
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM image_slices').get() as { n: number }).n, 0);
});

test('slices must match the frames, with valid hashes and positions; a refused stack leaves no rows', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('CT');
  const base = { projectId: p.id, sourcePath: '/scans/ct', contentHash: hash(1), fileName: 'ct', width: 16, height: 12 };
  assert.throws(() => store.images.add({ ...base, frames: 4, slices: slices(5) }), (e: Error) => e instanceof InvalidValueError && /one source per frame \(4\), got 5/.test(e.message));
  const bad = slices(3);
  bad[1] = { ...bad[1], sourceHash: 'abc' };
  assert.throws(() => store.images.add({ ...base, frames: 3, slices: bad }), (e: Error) => e instanceof InvalidValueError && /image slice 1 sourceHash/.test(e.message));
  const badPos = slices(3);
  badPos[2] = { ...badPos[2], position: [1, 2] };
  assert.throws(() => store.images.add({ ...base, frames: 3, slices: badPos }), (e: Error) => e instanceof InvalidValueError && /image slice 2 position/.test(e.message));
  assert.equal(store.images.count(p.id), 0);
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM image_slices').get() as { n: number }).n, 0);
  // a 4-D NIfTI volume: slices of one file, volume t
  const vol = store.images.add({ ...base, frames: 2, slices: [0, 1].map((z) => ({ sourcePath: '/x/f.nii', sourceHash: hash(7), sourceFrame: z, sourceVolume: 3 })) });
  assert.deepEqual(store.images.frameSource(vol.id, 1), { path: '/x/f.nii', contentHash: hash(7), frame: 1, volume: 3, window: null });
});
